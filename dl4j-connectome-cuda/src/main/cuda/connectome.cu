// Kernels of the CUDA backend of dl4j-connectome (org.dl4jconnectome.cuda), float32 (_f32) and float64 (_f64).
//
// States are batch-innermost: element (i, b) of an N x B batch is at i * B + b, so one synapse serves all B samples
// with one contiguous gather. Sparse matrices are CSR with rows = receiving neuron. Every kernel writes each output
// element from one thread, in a fixed order: no atomics, results do not depend on scheduling.
//
// Regenerate the PTX next to this file with build-ptx.sh after any change (a test compares the checksum recorded in
// connectome-ptx.properties with this file). The file also compiles as plain C++ with the test suite's CUDA emulator
// (CONNECTOME_EMULATION), so it uses only the subset of CUDA that emulator provides: warp shuffles with full masks,
// __syncthreads, static shared arrays through SHARED_ARRAY.

#ifndef CONNECTOME_EMULATION
#define SHARED_ARRAY(T, name, n) __shared__ T name[n]
#define EMU_KERNEL(name)
#endif

typedef long long i64;

// Up to eight state arrays and eight weights, passed by value (kernel parameters): no upload for the common case.
struct Ptrs8 {
    const void* p[8];
};
struct Weights8 {
    double w[8];
};

#define FULL_MASK 0xffffffffu

// ---------------------------------------------------------------------------------------------- nonlinearities
// Codes as org.dl4jconnectome.cuda.NonlinearityCodes; evaluated in float64 whatever the state precision. NaN
// propagates through value and slope, as in the host kernels.

__device__ __forceinline__ double sigmoid_d(double z) {
    if (z >= 0) {
        return 1.0 / (1.0 + exp(-z));
    }
    double e = exp(z);
    return e / (1.0 + e);
}

__device__ __forceinline__ double phi_value(int code, double z) {
    switch (code) {
        case 0: return sigmoid_d(z);
        case 1: return tanh(z);
        case 2: return z > 0 ? z : (z <= 0 ? 0.0 : z);
        case 3: return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
        case 4: return z;
        case 5: return z > 0 ? z : expm1(z);
        default: return z * sigmoid_d(z);
    }
}

// dphi/dz given v = phi(z).
__device__ __forceinline__ double phi_derivative(int code, double z, double v) {
    switch (code) {
        case 0: return v * (1.0 - v);
        case 1: return 1.0 - v * v;
        case 2: return z > 0 ? 1.0 : (z <= 0 ? 0.0 : z);
        case 3: return sigmoid_d(z);
        case 4: return 1.0;
        case 5: return z > 0 ? 1.0 : v + 1.0;
        default: {
            double s = sigmoid_d(z);
            return s * (1.0 + z * (1.0 - s));
        }
    }
}

// ReLU that keeps NaN (fmax would turn it into 0 and hide a diverging state).
__device__ __forceinline__ double rectify(double v) {
    return v > 0 ? v : (v <= 0 ? 0.0 : v);
}

__device__ __forceinline__ double rectified_slope(int code, double z, double v) {
    return v > 0 ? phi_derivative(code, z, v) : (v <= 0 ? 0.0 : v);
}

__device__ __forceinline__ bool is_finite(double v) {
    return v - v == 0.0;
}

// ---------------------------------------------------------------------------------------------- warp helpers

// Lanes of a warp work as (32 / lanesB) groups of lanesB lanes: lane bl of every group serves sample chunk + bl.
__device__ __forceinline__ int lane_id() {
    return (int) (threadIdx.x & 31u);
}

__device__ __forceinline__ i64 global_warp() {
    return ((i64) blockIdx.x * blockDim.x + threadIdx.x) >> 5;
}

// The sum over row r of val[s] * x[col[s] * ldx + b] for the sample b of this lane (valid: b < B), entries split
// among the groups; on return every lane of a sample holds that sample's sum. All 32 lanes must call it.
template <typename T>
__device__ __forceinline__ T row_product(const int* __restrict__ rowPtr, const int* __restrict__ col,
                                         const T* __restrict__ val, const T* __restrict__ x, i64 ldx, int r, int b,
                                         bool valid, int lanesB) {
    int lane = lane_id();
    int groups = 32 / lanesB;
    int g = lane / lanesB;
    int s0 = rowPtr[r];
    int s1 = rowPtr[r + 1];
    T acc = 0;
    for (int base = s0; base < s1; base += 32) {
        int s = base + lane;
        T vv = 0;
        int cc = 0;
        if (s < s1) {
            vv = val[s];
            cc = col[s];
        }
        int cnt = min(32, s1 - base);
        for (int j = 0; j < cnt; j += groups) {
            int idx = j + g;
            T v = __shfl_sync(FULL_MASK, vv, idx & 31);
            int c = __shfl_sync(FULL_MASK, cc, idx & 31);
            if (idx < cnt && valid) {
                acc += v * x[(i64) c * ldx + b];
            }
        }
    }
    for (int off = lanesB; off < 32; off <<= 1) {
        acc += __shfl_xor_sync(FULL_MASK, acc, off);
    }
    return acc;
}

// ---------------------------------------------------------------------------------------------- sparse products

// y[r, b] = (accumulate ? y[r, b] : 0) + sum_s val[s] * x[col[s], b]; one warp per row, x with row stride ldx.
template <typename T>
__device__ void spmm_body(int rows, int B, const int* __restrict__ rowPtr, const int* __restrict__ col,
                          const T* __restrict__ val, const T* __restrict__ x, i64 ldx, T* __restrict__ y,
                          int accumulate, int lanesB) {
    i64 r = global_warp();
    if (r >= rows) {
        return;
    }
    int bl = lane_id() % lanesB;
    int g = lane_id() / lanesB;
    for (int chunk = 0; chunk < B; chunk += 32) {
        int b = chunk + bl;
        bool valid = b < B;
        T acc = row_product<T>(rowPtr, col, val, x, ldx, (int) r, b, valid, lanesB);
        if (g == 0 && valid) {
            i64 e = r * B + b;
            y[e] = accumulate ? y[e] + acc : acc;
        }
    }
}

#define SPMM(T, S)                                                                                                   \
    extern "C" __global__ void spmm_##S(int rows, int B, const int* rowPtr, const int* col, const T* val,            \
                                        const T* x, i64 ldx, T* y, int accumulate, int lanesB) {                     \
        spmm_body<T>(rows, B, rowPtr, col, val, x, ldx, y, accumulate, lanesB);                                      \
    }                                                                                                                \
    EMU_KERNEL(spmm_##S)
SPMM(float, f32)
SPMM(double, f64)

// ---------------------------------------------------------------------------------------------- the vector field

// out = (ReLU(phi(z)) - y) / tau with z = A y + bias + U x(segment): the product, the input drive, the nonlinearity
// of the row's type and the leak in one pass; record (if not null) receives z for the reverse pass. The drive is
// summed in float64 and rounded once, like the host's precomputed drive.
template <typename T>
__device__ void field_forward_body(int N, int B, const int* __restrict__ rowPtr, const int* __restrict__ col,
                                   const T* __restrict__ val, const T* __restrict__ y, T* __restrict__ out,
                                   T* __restrict__ record, const T* __restrict__ invTau,
                                   const unsigned char* __restrict__ phiCode, const double* __restrict__ bias,
                                   const int* __restrict__ uRowPtr, const int* __restrict__ uCol,
                                   const double* __restrict__ uVal, const double* __restrict__ x, int I,
                                   const int* __restrict__ segments, int segment0, int lanesB) {
    i64 r = global_warp();
    if (r >= N) {
        return;
    }
    int bl = lane_id() % lanesB;
    int g = lane_id() / lanesB;
    for (int chunk = 0; chunk < B; chunk += 32) {
        int b = chunk + bl;
        bool valid = b < B;
        T acc = row_product<T>(rowPtr, col, val, y, B, (int) r, b, valid, lanesB);
        if (g == 0 && valid) {
            i64 e = r * B + b;
            int seg = segments ? segments[b] : segment0;
            const double* xs = x + (i64) seg * I * B;
            double d = bias[r];
            for (int k = uRowPtr[r]; k < uRowPtr[r + 1]; k++) {
                d += uVal[k] * xs[(i64) uCol[k] * B + b];
            }
            T z = acc + (T) d;
            if (record) {
                record[e] = z;
            }
            T act = (T) rectify(phi_value(phiCode[r], (double) z));
            out[e] = (act - y[e]) * invTau[r];
        }
    }
}

#define FIELD_FORWARD(T, S)                                                                                          \
    extern "C" __global__ void field_forward_##S(int N, int B, const int* rowPtr, const int* col, const T* val,      \
                                                 const T* y, T* out, T* record, const T* invTau,                    \
                                                 const unsigned char* phiCode, const double* bias,                   \
                                                 const int* uRowPtr, const int* uCol, const double* uVal,           \
                                                 const double* x, int I, const int* segments, int segment0,         \
                                                 int lanesB) {                                                       \
        field_forward_body<T>(N, B, rowPtr, col, val, y, out, record, invTau, phiCode, bias, uRowPtr, uCol, uVal,   \
                              x, I, segments, segment0, lanesB);                                                     \
    }                                                                                                                \
    EMU_KERNEL(field_forward_##S)
FIELD_FORWARD(float, f32)
FIELD_FORWARD(double, f64)

// The elementwise part of the reverse pass of one evaluation, one thread per neuron r: with q = outBar / tau,
//   zBar = q * slope(z)            (into slot `slot` of the step's [N][slots][B] buffer),
//   yBar = -q                      (A^T zBar is added by spmm over the transposed matrix next),
//   gTau[r] -= sum_b q (ReLU(phi(z)) - y) / tau,  gBias[r] += sum_b zBar,  gU[k] += sum_b zBar x[seg_b][col_k, b].
// Each neuron's accumulators belong to its thread: no atomics.
template <typename T>
__device__ void field_reverse_body(int N, int B, const T* __restrict__ y, const T* __restrict__ z,
                                   const T* __restrict__ outBar, T* __restrict__ yBar, T* __restrict__ zBar,
                                   i64 zStride, int slot, const double* __restrict__ tau,
                                   const unsigned char* __restrict__ phiCode, double* __restrict__ gTau,
                                   double* __restrict__ gBias, const int* __restrict__ uRowPtr,
                                   const int* __restrict__ uCol, double* __restrict__ gU,
                                   const double* __restrict__ x, int I, const int* __restrict__ segments,
                                   int segment0) {
    i64 r = (i64) blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= N) {
        return;
    }
    int code = phiCode[r];
    double invTau = 1.0 / tau[r];
    double tauAcc = 0;
    double biasAcc = 0;
    T* zr = zBar + r * zStride + (i64) slot * B;
    for (int b = 0; b < B; b++) {
        i64 e = r * B + b;
        double zv = (double) z[e];
        double v = phi_value(code, zv);
        T act = (T) rectify(v);
        T slope = (T) rectified_slope(code, zv, v);
        double q = (double) outBar[e] * invTau;
        double k = (double) (act - y[e]) * invTau;
        tauAcc -= q * k;
        double zb = q * (double) slope;
        zr[b] = (T) zb;
        biasAcc += zb;
        yBar[e] = (T) (-q);
    }
    gTau[r] += tauAcc;
    gBias[r] += biasAcc;
    for (int k = uRowPtr[r]; k < uRowPtr[r + 1]; k++) {
        double acc = 0;
        for (int b = 0; b < B; b++) {
            int seg = segments ? segments[b] : segment0;
            acc += (double) zr[b] * x[(i64) seg * I * B + (i64) uCol[k] * B + b];
        }
        gU[k] += acc;
    }
}

#define FIELD_REVERSE(T, S)                                                                                          \
    extern "C" __global__ void field_reverse_##S(int N, int B, const T* y, const T* z, const T* outBar, T* yBar,     \
                                                 T* zBar, i64 zStride, int slot, const double* tau,                  \
                                                 const unsigned char* phiCode, double* gTau, double* gBias,         \
                                                 const int* uRowPtr, const int* uCol, double* gU, const double* x,  \
                                                 int I, const int* segments, int segment0) {                         \
        field_reverse_body<T>(N, B, y, z, outBar, yBar, zBar, zStride, slot, tau, phiCode, gTau, gBias, uRowPtr,     \
                              uCol, gU, x, I, segments, segment0);                                                   \
    }                                                                                                                \
    EMU_KERNEL(field_reverse_##S)
FIELD_REVERSE(float, f32)
FIELD_REVERSE(double, f64)

// The gradient of the synapse values over the kept stages of one step, in one pass over the synapses:
//   acc[s] += sum_j sum_b zBar[post(s)][j][b] * y_j[pre(s), b]      (float64 products and sums)
// one warp per postsynaptic row, lanes as in row_product, each synapse's sum reduced within its group.
template <typename T>
__device__ void synapse_gradient_body(int N, int B, const int* __restrict__ rowPtr, const int* __restrict__ col,
                                      int slots, const T* __restrict__ zBar, i64 zStride, Ptrs8 ys,
                                      double* __restrict__ acc, int lanesB) {
    i64 r = global_warp();
    if (r >= N) {
        return;
    }
    int lane = lane_id();
    int groups = 32 / lanesB;
    int g = lane / lanesB;
    int bl = lane % lanesB;
    int s0 = rowPtr[r];
    int s1 = rowPtr[r + 1];
    const T* zr = zBar + r * zStride;
    for (int chunk = 0; chunk < B; chunk += 32) {
        int b = chunk + bl;
        bool valid = b < B;
        double zb[8];
#pragma unroll
        for (int j = 0; j < 8; j++) {
            zb[j] = (valid && j < slots) ? (double) zr[(i64) j * B + b] : 0.0;
        }
        for (int base = s0; base < s1; base += 32) {
            int cc = base + lane < s1 ? col[base + lane] : 0;
            int cnt = min(32, s1 - base);
            for (int jj = 0; jj < cnt; jj += groups) {
                int idx = jj + g;
                int c = __shfl_sync(FULL_MASK, cc, idx & 31);
                double sum = 0;
                if (idx < cnt && valid) {
                    i64 o = (i64) c * B + b;
#pragma unroll
                    for (int j = 0; j < 8; j++) {
                        if (j < slots) {
                            sum += zb[j] * (double) ((const T*) ys.p[j])[o];
                        }
                    }
                }
                for (int off = 1; off < lanesB; off <<= 1) {
                    sum += __shfl_xor_sync(FULL_MASK, sum, off);
                }
                if (bl == 0 && idx < cnt) {
                    acc[base + idx] += sum;
                }
            }
        }
    }
}

#define SYNAPSE_GRADIENT(T, S)                                                                                       \
    extern "C" __global__ void synapse_gradient_##S(int N, int B, const int* rowPtr, const int* col, int slots,     \
                                                    const T* zBar, i64 zStride, Ptrs8 ys, double* acc,               \
                                                    int lanesB) {                                                    \
        synapse_gradient_body<T>(N, B, rowPtr, col, slots, zBar, zStride, ys, acc, lanesB);                          \
    }                                                                                                                \
    EMU_KERNEL(synapse_gradient_##S)
SYNAPSE_GRADIENT(float, f32)
SYNAPSE_GRADIENT(double, f64)

// The cotangent of the input over the kept stages of one step, through U's columns (its transpose, so each input
// element has one thread): gInput[seg_jb][c, b] += sum_{k in column c} uVal[k] * zBar[row_k][j][b].
template <typename T>
__device__ void input_gradient_body(int I, int B, const int* __restrict__ utPtr, const int* __restrict__ utRow,
                                    const int* __restrict__ utPos, const double* __restrict__ uVal, int slots,
                                    const T* __restrict__ zBar, i64 zStride, const int* __restrict__ slotSegments,
                                    double* __restrict__ gInput) {
    i64 e = (i64) blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= (i64) I * B) {
        return;
    }
    int c = (int) (e / B);
    int b = (int) (e % B);
    for (int j = 0; j < slots; j++) {
        double sum = 0;
        for (int q = utPtr[c]; q < utPtr[c + 1]; q++) {
            sum += uVal[utPos[q]] * (double) zBar[(i64) utRow[q] * zStride + (i64) j * B + b];
        }
        gInput[(i64) slotSegments[j * B + b] * I * B + e] += sum;
    }
}

#define INPUT_GRADIENT(T, S)                                                                                         \
    extern "C" __global__ void input_gradient_##S(int I, int B, const int* utPtr, const int* utRow,                \
                                                  const int* utPos, const double* uVal, int slots, const T* zBar,   \
                                                  i64 zStride, const int* slotSegments, double* gInput) {            \
        input_gradient_body<T>(I, B, utPtr, utRow, utPos, uVal, slots, zBar, zStride, slotSegments, gInput);        \
    }                                                                                                                \
    EMU_KERNEL(input_gradient_##S)
INPUT_GRADIENT(float, f32)
INPUT_GRADIENT(double, f64)

// Effective weights a = W * sign * gain[pair] in CSR order (eff) and in the transposed matrix's order (effT[t] is
// the value of CSR entry permT[t]).
template <typename T>
__device__ void effective_weights_body(int nnz, const double* __restrict__ mag, const double* __restrict__ sign,
                                       const int* __restrict__ gainIndex, const double* __restrict__ gains,
                                       const int* __restrict__ permT, T* __restrict__ eff, T* __restrict__ effT) {
    for (i64 i = (i64) blockIdx.x * blockDim.x + threadIdx.x; i < nnz; i += (i64) gridDim.x * blockDim.x) {
        double v = mag[i] * sign[i];
        eff[i] = (T) (gainIndex ? v * gains[gainIndex[i]] : v);
        int p = permT[i];
        double w = mag[p] * sign[p];
        effT[i] = (T) (gainIndex ? w * gains[gainIndex[p]] : w);
    }
}

#define EFFECTIVE_WEIGHTS(T, S)                                                                                      \
    extern "C" __global__ void effective_weights_##S(int nnz, const double* mag, const double* sign,               \
                                                     const int* gainIndex, const double* gains, const int* permT,   \
                                                     T* eff, T* effT) {                                              \
        effective_weights_body<T>(nnz, mag, sign, gainIndex, gains, permT, eff, effT);                               \
    }                                                                                                                \
    EMU_KERNEL(effective_weights_##S)
EFFECTIVE_WEIGHTS(float, f32)
EFFECTIVE_WEIGHTS(double, f64)

// dL/dW = dL/da * sign (without type-pair gains; with them the host maps the effective gradient).
extern "C" __global__ void magnitude_gradient(int nnz, const double* acc, const double* sign, double* out) {
    for (i64 i = (i64) blockIdx.x * blockDim.x + threadIdx.x; i < nnz; i += (i64) gridDim.x * blockDim.x) {
        out[i] = acc[i] * sign[i];
    }
}
EMU_KERNEL(magnitude_gradient)

// ---------------------------------------------------------------------------------------------- the state backend

// dst[:, b] = src[:, b] + sum_j w[j][b] k_j[:, b] for the selected samples (samples null: all), weights per sample
// (w, count x B) or the same for all (wu); a zero weight skips its term. nonFinite[b] is set to 1 when a written
// value of sample b is not finite.
template <typename T>
__device__ void combine_body(T* dst, const T* src, int n, int B, int count, Ptrs8 k, const double* w, Weights8 wu,
                             const int* samples, int* nonFinite) {
    for (unsigned e = blockIdx.x * blockDim.x + threadIdx.x; e < (unsigned) n; e += gridDim.x * blockDim.x) {
        int b = (int) (e % (unsigned) B);
        if (samples && !samples[b]) {
            continue;
        }
        double acc = src ? (double) src[e] : 0.0;
#pragma unroll
        for (int j = 0; j < 8; j++) {
            if (j < count) {
                double wj = w ? w[j * B + b] : wu.w[j];
                if (wj != 0.0) {
                    acc += wj * (double) ((const T*) k.p[j])[e];
                }
            }
        }
        T v = (T) acc;
        dst[e] = v;
        if (nonFinite && !is_finite((double) v)) {
            nonFinite[b] = 1;
        }
    }
}

#define COMBINE(T, S)                                                                                                \
    extern "C" __global__ void combine_##S(T* dst, const T* src, int n, int B, int count, Ptrs8 k, const double* w, \
                                           Weights8 wu, const int* samples, int* nonFinite) {                        \
        combine_body<T>(dst, src, n, B, count, k, w, wu, samples, nonFinite);                                        \
    }                                                                                                                \
    EMU_KERNEL(combine_##S)
COMBINE(float, f32)
COMBINE(double, f64)

// dst_j[:, b] += w[j][b] x[:, b] for j < count: one read of x for every target.
template <typename T>
__device__ void spread_body(const T* x, int n, int B, int count, Ptrs8 dst, const double* w, Weights8 wu) {
    for (unsigned e = blockIdx.x * blockDim.x + threadIdx.x; e < (unsigned) n; e += gridDim.x * blockDim.x) {
        int b = (int) (e % (unsigned) B);
        T xv = x[e];
#pragma unroll
        for (int j = 0; j < 8; j++) {
            if (j < count) {
                T* d = (T*) dst.p[j];
                T wj = (T) (w ? w[j * B + b] : wu.w[j]);
                d[e] += wj * xv;
            }
        }
    }
}

#define SPREAD(T, S)                                                                                                 \
    extern "C" __global__ void spread_##S(const T* x, int n, int B, int count, Ptrs8 dst, const double* w,          \
                                          Weights8 wu) {                                                             \
        spread_body<T>(x, n, B, count, dst, w, wu);                                                                  \
    }                                                                                                                \
    EMU_KERNEL(spread_##S)
SPREAD(float, f32)
SPREAD(double, f64)

template <typename T>
__device__ void copy_samples_body(T* dst, const T* src, int n, int B, const int* samples) {
    for (unsigned e = blockIdx.x * blockDim.x + threadIdx.x; e < (unsigned) n; e += gridDim.x * blockDim.x) {
        if (samples[e % (unsigned) B]) {
            dst[e] = src[e];
        }
    }
}

#define COPY_SAMPLES(T, S)                                                                                           \
    extern "C" __global__ void copy_samples_##S(T* dst, const T* src, int n, int B, const int* samples) {           \
        copy_samples_body<T>(dst, src, n, B, samples);                                                               \
    }                                                                                                                \
    EMU_KERNEL(copy_samples_##S)
COPY_SAMPLES(float, f32)
COPY_SAMPLES(double, f64)

template <typename T>
__device__ void fill_body(T* dst, int n, double value) {
    for (unsigned e = blockIdx.x * blockDim.x + threadIdx.x; e < (unsigned) n; e += gridDim.x * blockDim.x) {
        dst[e] = (T) value;
    }
}

#define FILL(T, S)                                                                                                   \
    extern "C" __global__ void fill_##S(T* dst, int n, double value) {                                              \
        fill_body<T>(dst, n, value);                                                                                 \
    }                                                                                                                \
    EMU_KERNEL(fill_##S)
FILL(float, f32)
FILL(double, f64)

// Per-sample reductions over the rows, deterministic in two passes: each block of 256 threads handles a range of
// rows for a chunk of up to 256 samples (thread t: sample t % nb, row lane t / nb), sums its rows in a fixed order
// through shared memory and writes one partial per sample; reduce_partials adds the partials in block order.
#define REDUCE_THREADS 256

__device__ __forceinline__ void block_partial(double acc, int nb, int b0, int B, double* partials) {
    SHARED_ARRAY(double, part, REDUCE_THREADS);
    int t = threadIdx.x;
    part[t] = acc;
    __syncthreads();
    if (t < nb) {
        int rowsPar = REDUCE_THREADS / nb;
        double sum = 0;
        for (int q = 0; q < rowsPar; q++) {
            sum += part[q * nb + t];
        }
        partials[(i64) blockIdx.x * B + b0 + t] = sum;
    }
}

// sum over rows of (h[b] * sum_j e_j k_j[r, b] / (atol + rtol * max(|y|, |yNew|)))^2 per sample.
template <typename T>
__device__ void error_partials_body(int N, int B, const T* y, const T* yNew, int count, Ptrs8 k, Weights8 e,
                                    const double* h, double atol, double rtol, double* partials) {
    int b0 = blockIdx.y * REDUCE_THREADS;
    int nb = min(REDUCE_THREADS, B - b0);
    int rowsPar = REDUCE_THREADS / nb;
    int t = threadIdx.x;
    int bl = t % nb;
    int rp = t / nb;
    int b = b0 + bl;
    double acc = 0;
    if (rp < rowsPar) {
        for (i64 r = (i64) blockIdx.x * rowsPar + rp; r < N; r += (i64) gridDim.x * rowsPar) {
            i64 x = r * B + b;
            double err = 0;
#pragma unroll
            for (int j = 0; j < 8; j++) {
                if (j < count) {
                    err += e.w[j] * (double) ((const T*) k.p[j])[x];
                }
            }
            err *= h[b];
            double yv = (double) y[x];
            double yn = (double) yNew[x];
            double s = err / (atol + rtol * fmax(fabs(yv), fabs(yn)));
            acc += s * s;
        }
    }
    block_partial(acc, nb, b0, B, partials);
}

#define ERROR_PARTIALS(T, S)                                                                                         \
    extern "C" __global__ void error_partials_##S(int N, int B, const T* y, const T* yNew, int count, Ptrs8 k,      \
                                                  Weights8 e, const double* h, double atol, double rtol,             \
                                                  double* partials) {                                                \
        error_partials_body<T>(N, B, y, yNew, count, k, e, h, atol, rtol, partials);                                 \
    }                                                                                                                \
    EMU_KERNEL(error_partials_##S)
ERROR_PARTIALS(float, f32)
ERROR_PARTIALS(double, f64)

// sum over rows of (x / (atol + rtol * |ref|))^2 per sample.
template <typename T>
__device__ void rms_partials_body(int N, int B, const T* x, const T* ref, double atol, double rtol,
                                  double* partials) {
    int b0 = blockIdx.y * REDUCE_THREADS;
    int nb = min(REDUCE_THREADS, B - b0);
    int rowsPar = REDUCE_THREADS / nb;
    int t = threadIdx.x;
    int bl = t % nb;
    int rp = t / nb;
    int b = b0 + bl;
    double acc = 0;
    if (rp < rowsPar) {
        for (i64 r = (i64) blockIdx.x * rowsPar + rp; r < N; r += (i64) gridDim.x * rowsPar) {
            i64 i = r * B + b;
            double s = (double) x[i] / (atol + rtol * fabs((double) ref[i]));
            acc += s * s;
        }
    }
    block_partial(acc, nb, b0, B, partials);
}

#define RMS_PARTIALS(T, S)                                                                                           \
    extern "C" __global__ void rms_partials_##S(int N, int B, const T* x, const T* ref, double atol, double rtol,    \
                                                double* partials) {                                                  \
        rms_partials_body<T>(N, B, x, ref, atol, rtol, partials);                                                    \
    }                                                                                                                \
    EMU_KERNEL(rms_partials_##S)
RMS_PARTIALS(float, f32)
RMS_PARTIALS(double, f64)

extern "C" __global__ void reduce_partials(const double* partials, int blocks, int B, double* out) {
    int b = blockIdx.x * blockDim.x + threadIdx.x;
    if (b >= B) {
        return;
    }
    double sum = 0;
    for (int q = 0; q < blocks; q++) {
        sum += partials[(i64) q * B + b];
    }
    out[b] = sum;
}
EMU_KERNEL(reduce_partials)

// out[(b * m + o) * points + point] = state[rows[o], b] for the selected samples (rows null: o itself), into the
// device copy of a [B, m, points] host array.
template <typename T, typename U>
__device__ void read_point_body(const T* state, int B, const int* rows, int m, int point, int points,
                                const int* samples, U* out) {
    i64 n = (i64) m * B;
    for (i64 i = (i64) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (i64) gridDim.x * blockDim.x) {
        int o = (int) (i / B);
        int b = (int) (i % B);
        if (samples && !samples[b]) {
            continue;
        }
        int r = rows ? rows[o] : o;
        out[((i64) b * m + o) * points + point] = (U) state[(i64) r * B + b];
    }
}

#define READ_POINT(T, U, S)                                                                                          \
    extern "C" __global__ void read_point_##S(const T* state, int B, const int* rows, int m, int point, int points, \
                                              const int* samples, U* out) {                                         \
        read_point_body<T, U>(state, B, rows, m, point, points, samples, out);                                       \
    }                                                                                                                \
    EMU_KERNEL(read_point_##S)
READ_POINT(float, float, f32_f32)
READ_POINT(float, double, f32_f64)
READ_POINT(double, float, f64_f32)
READ_POINT(double, double, f64_f64)

// state[target, b] += sum of in[(b * m + o) * points + point] over the o that select the target: targets[t] with its
// selections srcs[offsets[t] .. offsets[t + 1]) (targets null: t = o = the row), so a row selected twice is still
// written by one thread.
template <typename T>
__device__ void add_point_body(const double* in, int B, const int* targets, const int* offsets, const int* srcs,
                               int numTargets, int m, int point, int points, T* state) {
    i64 n = (i64) numTargets * B;
    for (i64 i = (i64) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (i64) gridDim.x * blockDim.x) {
        int t = (int) (i / B);
        int b = (int) (i % B);
        double sum = 0;
        int r = t;
        if (targets) {
            r = targets[t];
            for (int q = offsets[t]; q < offsets[t + 1]; q++) {
                sum += in[((i64) b * m + srcs[q]) * points + point];
            }
        } else {
            sum = in[((i64) b * m + t) * points + point];
        }
        i64 e = (i64) r * B + b;
        state[e] += (T) sum;
    }
}

#define ADD_POINT(T, S)                                                                                              \
    extern "C" __global__ void add_point_##S(const double* in, int B, const int* targets, const int* offsets,       \
                                             const int* srcs, int numTargets, int m, int point, int points,         \
                                             T* state) {                                                             \
        add_point_body<T>(in, B, targets, offsets, srcs, numTargets, m, point, points, state);                       \
    }                                                                                                                \
    EMU_KERNEL(add_point_##S)
ADD_POINT(float, f32)
ADD_POINT(double, f64)
