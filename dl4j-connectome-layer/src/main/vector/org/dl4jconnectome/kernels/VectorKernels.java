package org.dl4jconnectome.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD kernels on the JDK Vector API: one vector register holds a row's partial sums for a chunk of samples, and
 * each stored entry costs one broadcast, one load of the samples' operand and one fused multiply-add (rows are short
 * within a column block, so the processor overlaps consecutive rows' chains of multiply-adds). Loaded only when the
 * module {@code jdk.incubator.vector} is present (see {@link SparseKernels#best()}).
 * <p>
 * The loops live in small static methods rather than in the lambdas that spread them over threads: C2 then compiles
 * them as ordinary methods and intrinsifies every vector operation (a lambda's on-stack-replaced loop was seen to
 * fall back to the API's slow Java implementation).
 */
final class VectorKernels implements SparseKernels {
    static final VectorKernels INSTANCE = new VectorKernels();

    private static final VectorSpecies<Float> F8 = Species.FLOAT;
    /** 512 bits (a batch of 8 in one vector) where the processor has them, else 256. */
    private static final VectorSpecies<Double> DP = Species.DOUBLE;

    private VectorKernels() {
    }

    @Override
    public ActivationKernels activations() {
        return VectorActivations.INSTANCE;
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public void multiply(BlockedCsr a, float[] values, float[] x, float[] y, int batch) {
        KernelChecks.product(a, values.length, x.length, y.length, batch);
        a.forEachBlock((blk, lo, hi) -> multiplyRows(a, blk, lo, hi, values, x, y, batch));
    }

    private static void multiplyRows(BlockedCsr a, int blk, int lo, int hi, float[] values, float[] x, float[] y,
                                     int batch) {
        char[] col = a.localColumns();
        int lanes = F8.length();
        if (blk == 0) {
            java.util.Arrays.fill(y, lo * batch, hi * batch, 0);
        }
        int xb = a.blockStart(blk) * batch;
        // One vector of samples per pass over a row's entries, the passes over the rows in turn: two vectors in one
        // loop, or a vector chosen by a condition, were seen kept boxed by C2 (a heap object per operation, about 5x
        // slower), after a few calls or from the start.
        int b = 0;
        for (; b + lanes <= batch; b += lanes) {
            for (int r = lo; r < hi; r++) {
                rowVector(col, values, x, y, batch, a.rowStart(blk, r), a.rowStart(blk, r + 1), r * batch + b, xb + b);
            }
        }
        for (; b < batch; b++) {
            for (int r = lo; r < hi; r++) {
                int yo = r * batch;
                float acc = y[yo + b];
                for (int s = a.rowStart(blk, r), e = a.rowStart(blk, r + 1); s < e; s++) {
                    acc += values[s] * x[xb + col[s] * batch + b];
                }
                y[yo + b] = acc;
            }
        }
    }

    /** y[yo..] += the row's entries s0..s1 times x[xo + col * batch ..]. */
    private static void rowVector(char[] col, float[] values, float[] x, float[] y, int batch, int s0, int s1,
                                  int yo, int xo) {
        FloatVector acc = FloatVector.fromArray(F8, y, yo);
        for (int s = s0; s < s1; s++) {
            acc = FloatVector.fromArray(F8, x, xo + col[s] * batch).fma(FloatVector.broadcast(F8, values[s]), acc);
        }
        acc.intoArray(y, yo);
    }

    @Override
    public void multiply(BlockedCsr a, double[] values, double[] x, double[] y, int batch) {
        KernelChecks.product(a, values.length, x.length, y.length, batch);
        a.forEachBlock((blk, lo, hi) -> multiplyRows(a, blk, lo, hi, values, x, y, batch));
    }

    private static void multiplyRows(BlockedCsr a, int blk, int lo, int hi, double[] values, double[] x, double[] y,
                                     int batch) {
        char[] col = a.localColumns();
        int lanes = DP.length();
        if (blk == 0) {
            java.util.Arrays.fill(y, lo * batch, hi * batch, 0);
        }
        int xb = a.blockStart(blk) * batch;
        // One vector of samples per pass over a row's entries, the passes over the rows in turn: two vectors in one
        // loop, or a vector chosen by a condition, were seen kept boxed by C2 (a heap object per operation, about 5x
        // slower), after a few calls or from the start.
        int b = 0;
        for (; b + lanes <= batch; b += lanes) {
            for (int r = lo; r < hi; r++) {
                rowVector(col, values, x, y, batch, a.rowStart(blk, r), a.rowStart(blk, r + 1), r * batch + b, xb + b);
            }
        }
        for (; b < batch; b++) {
            for (int r = lo; r < hi; r++) {
                int yo = r * batch;
                double acc = y[yo + b];
                for (int s = a.rowStart(blk, r), e = a.rowStart(blk, r + 1); s < e; s++) {
                    acc += values[s] * x[xb + col[s] * batch + b];
                }
                y[yo + b] = acc;
            }
        }
    }

    private static void rowVector(char[] col, double[] values, double[] x, double[] y, int batch, int s0, int s1,
                                  int yo, int xo) {
        DoubleVector acc = DoubleVector.fromArray(DP, y, yo);
        for (int s = s0; s < s1; s++) {
            acc = DoubleVector.fromArray(DP, x, xo + col[s] * batch).fma(DoubleVector.broadcast(DP, values[s]), acc);
        }
        acc.intoArray(y, yo);
    }

    @Override
    public void accumulateOuter(BlockedCsr a, float[] g, float[] x, double[] acc, int stride, int width) {
        KernelChecks.outer(a, g.length, x.length, acc.length, stride, width);
        a.forEachBlock((blk, lo, hi) -> outerRows(a, blk, lo, hi, g, x, acc, stride, width));
    }

    private static void outerRows(BlockedCsr a, int blk, int lo, int hi, float[] g, float[] x, double[] acc,
                                  int stride, int width) {
        char[] col = a.localColumns();
        int lanes = F8.length();
        int full = width - width % lanes;
        for (int r = lo; r < hi; r++) {
            int go = r * stride;
            for (int s = a.rowStart(blk, r), e = a.rowStart(blk, r + 1); s < e; s++) {
                int xo = (a.blockStart(blk) + col[s]) * stride;
                // One lane-wise accumulator and a single reduction per entry.
                FloatVector v = FloatVector.zero(F8);
                for (int j = 0; j < full; j += lanes) {
                    v = FloatVector.fromArray(F8, g, go + j).fma(FloatVector.fromArray(F8, x, xo + j), v);
                }
                double sum = v.reduceLanes(VectorOperators.ADD);
                for (int j = full; j < width; j++) {
                    sum += g[go + j] * x[xo + j];
                }
                acc[s] += sum;
            }
        }
    }

    @Override
    public void accumulateOuter(BlockedCsr a, double[] g, double[] x, double[] acc, int stride, int width) {
        KernelChecks.outer(a, g.length, x.length, acc.length, stride, width);
        a.forEachBlock((blk, lo, hi) -> outerRows(a, blk, lo, hi, g, x, acc, stride, width));
    }

    private static void outerRows(BlockedCsr a, int blk, int lo, int hi, double[] g, double[] x, double[] acc,
                                  int stride, int width) {
        char[] col = a.localColumns();
        int lanes = DP.length();
        int full = width - width % lanes;
        for (int r = lo; r < hi; r++) {
            int go = r * stride;
            for (int s = a.rowStart(blk, r), e = a.rowStart(blk, r + 1); s < e; s++) {
                int xo = (a.blockStart(blk) + col[s]) * stride;
                DoubleVector v = DoubleVector.zero(DP);
                for (int j = 0; j < full; j += lanes) {
                    v = DoubleVector.fromArray(DP, g, go + j).fma(DoubleVector.fromArray(DP, x, xo + j), v);
                }
                double sum = v.reduceLanes(VectorOperators.ADD);
                for (int j = full; j < width; j++) {
                    sum += g[go + j] * x[xo + j];
                }
                acc[s] += sum;
            }
        }
    }
}
