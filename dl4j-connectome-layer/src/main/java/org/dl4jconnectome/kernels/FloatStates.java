package org.dl4jconnectome.kernels;

import org.dl4jconnectome.ode.IntegralController;
import org.dl4jconnectome.ode.StateBackend;

import java.util.Arrays;

/**
 * The host backend in float32, the twin of {@link DoubleStates} for float32 networks: states, stage inputs and the
 * reverse pass's tape take half the memory and memory traffic. Linear combinations, norms and error ratios
 * accumulate in float64 and round once.
 */
public final class FloatStates implements StateBackend<float[]> {
    /** Rows per chunk of the elementwise passes. */
    private static final int CHUNK_ROWS = 512;
    /** Float64 accumulators of one thread's chunk. */
    private static final ThreadLocal<double[]> ACCUMULATOR = ThreadLocal.withInitial(() -> new double[4096]);

    private final int n;
    private final int batch;

    public FloatStates(int size, int batch) {
        if (size < 1 || batch < 1) {
            throw new IllegalArgumentException("size = " + size + ", batch = " + batch + ": expected at least 1 each");
        }
        this.n = size;
        this.batch = batch;
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public float[] allocate() {
        return new float[n * batch];
    }

    @Override
    public float[][] handleArray(int length) {
        return new float[length][];
    }

    @Override
    public void copy(float[] src, float[] dst) {
        if (src != dst) {
            System.arraycopy(src, 0, dst, 0, src.length);
        }
    }

    @Override
    public void copySamples(float[] src, float[] dst, boolean[] samples) {
        for (int b = 0; b < batch; b++) {
            if (samples[b]) {
                for (int e = b; e < src.length; e += batch) {
                    dst[e] = src[e];
                }
            }
        }
    }

    @Override
    public void fill(float[] dst, double value) {
        Arrays.fill(dst, (float) value);
    }

    @Override
    public void combine(float[] dst, float[] src, double[][] w, float[][] k, int count, boolean[] samples,
                        boolean[] finite) {
        boolean uniform = samples == null && StateChecks.uniform(w, count, batch);
        if (finite != null) {
            Arrays.fill(finite, true);
        }
        Parallel.forRange(n, (lo, hi) -> {
            for (int c0 = lo; c0 < hi; c0 += CHUNK_ROWS) {
                int e0 = c0 * batch;
                int e1 = Math.min(hi, c0 + CHUNK_ROWS) * batch;
                if (uniform) {
                    combineUniform(dst, src, w, k, count, e0, e1);
                } else {
                    combinePerSample(dst, src, w, k, count, samples, e0, e1);
                }
                if (finite != null) {
                    checkFinite(dst, samples, finite, e0, e1);
                }
            }
        });
    }

    /**
     * Every sample's weights are the same: passes over a chunk that the JIT vectorises, accumulating in float64 and
     * rounding once, so a state in float32 loses one rounding per combination rather than one per term.
     */
    private static void combineUniform(float[] dst, float[] src, double[][] w, float[][] k, int count, int e0,
                                       int e1) {
        double[] acc = ACCUMULATOR.get();
        for (int a0 = e0; a0 < e1; a0 += acc.length) {
            int a1 = Math.min(e1, a0 + acc.length);
            int len = a1 - a0;
            if (src == null) {
                Arrays.fill(acc, 0, len, 0.0);
            } else {
                for (int e = 0; e < len; e++) {
                    acc[e] = src[a0 + e];
                }
            }
            for (int j = 0; j < count; j++) {
                double c = w[j][0];
                if (c != 0) {
                    float[] kj = k[j];
                    for (int e = 0; e < len; e++) {
                        acc[e] += c * kj[a0 + e];
                    }
                }
            }
            for (int e = 0; e < len; e++) {
                dst[a0 + e] = (float) acc[e];
            }
        }
    }

    private void combinePerSample(float[] dst, float[] src, double[][] w, float[][] k, int count,
                                  boolean[] samples, int e0, int e1) {
        for (int r = e0; r < e1; r += batch) {
            for (int b = 0; b < batch; b++) {
                if (samples != null && !samples[b]) {
                    continue;
                }
                int e = r + b;
                double acc = src == null ? 0.0 : src[e];
                for (int j = 0; j < count; j++) {
                    acc += w[j][b] * k[j][e];
                }
                dst[e] = (float) acc;
            }
        }
    }

    /** Marks the samples with a non-finite value in [e0, e1): x · 0 is 0 exactly when x is finite. */
    private void checkFinite(float[] v, boolean[] samples, boolean[] finite, int e0, int e1) {
        double[] probe = new double[batch];
        for (int r = e0; r < e1; r += batch) {
            for (int b = 0; b < batch; b++) {
                probe[b] += v[r + b] * 0.0;
            }
        }
        for (int b = 0; b < batch; b++) {
            if (probe[b] != 0.0 && (samples == null || samples[b])) {
                finite[b] = false;
            }
        }
    }

    @Override
    public void spread(float[] x, double[][] w, float[][] dst, int count) {
        boolean uniform = StateChecks.uniform(w, count, batch);
        Parallel.forRange(n, (lo, hi) -> {
            for (int c0 = lo; c0 < hi; c0 += CHUNK_ROWS) {
                int e0 = c0 * batch;
                int e1 = Math.min(hi, c0 + CHUNK_ROWS) * batch;
                for (int j = 0; j < count; j++) {
                    float[] d = dst[j];
                    if (uniform) {
                        float c = (float) w[j][0];
                        for (int e = e0; e < e1; e++) {
                            d[e] += c * x[e];
                        }
                    } else {
                        double[] wj = w[j];
                        for (int r = e0; r < e1; r += batch) {
                            for (int b = 0; b < batch; b++) {
                                d[r + b] += (float) wj[b] * x[r + b];
                            }
                        }
                    }
                }
            }
        });
    }

    @Override
    public void errorRatios(float[] y, float[] yNew, double[] h, double[] e, float[][] k, int count,
                            IntegralController c, boolean[] samples, double[] ratio) {
        double[] sum = StateChecks.sumPerSample(n, batch, (lo, hi, acc) -> {
            for (int r = lo; r < hi; r++) {
                for (int b = 0; b < batch; b++) {
                    int x = r * batch + b;
                    double err = 0;
                    for (int j = 0; j < count; j++) {
                        err += e[j] * k[j][x];
                    }
                    err *= h[b];
                    double s = err / c.scale(y[x], yNew[x]);
                    acc[b] += s * s;
                }
            }
        });
        for (int b = 0; b < batch; b++) {
            ratio[b] = samples == null || samples[b] ? c.ratio(sum[b], n) : 0.0;
        }
    }

    @Override
    public void scaledRms(float[] x, float[] ref, IntegralController c, double[] rms) {
        double[] sum = StateChecks.sumPerSample(n, batch, (lo, hi, acc) -> {
            for (int r = lo; r < hi; r++) {
                for (int b = 0; b < batch; b++) {
                    int i = r * batch + b;
                    double s = x[i] / c.scale(ref[i]);
                    acc[b] += s * s;
                }
            }
        });
        for (int b = 0; b < batch; b++) {
            rms[b] = Math.sqrt(sum[b] / n);
        }
    }

    @Override
    public void readPoint(float[] state, int[] rows, int point, int points, boolean[] samples, double[] out) {
        int m = rows.length;
        Parallel.forRange(m, (lo, hi) -> {
            for (int o = lo; o < hi; o++) {
                int src = rows[o] * batch;
                for (int b = 0; b < batch; b++) {
                    if (samples == null || samples[b]) {
                        out[(b * m + o) * points + point] = state[src + b];
                    }
                }
            }
        });
    }

    @Override
    public void readPoint(float[] state, int[] rows, int point, int points, boolean[] samples, float[] out) {
        int m = rows.length;
        Parallel.forRange(m, (lo, hi) -> {
            for (int o = lo; o < hi; o++) {
                int src = rows[o] * batch;
                for (int b = 0; b < batch; b++) {
                    if (samples == null || samples[b]) {
                        out[(b * m + o) * points + point] = state[src + b];
                    }
                }
            }
        });
    }

    @Override
    public void addPoint(double[] in, int[] rows, int point, int points, float[] state) {
        int m = rows.length;
        // Rows may repeat in a selection: accumulate sequentially per row range of the selection.
        for (int o = 0; o < m; o++) {
            int dst = rows[o] * batch;
            for (int b = 0; b < batch; b++) {
                state[dst + b] += (float) in[(b * m + o) * points + point];
            }
        }
    }

    @Override
    public void read(float[] src, double[] dst) {
        for (int e = 0; e < src.length; e++) {
            dst[e] = src[e];
        }
    }

    @Override
    public void write(double[] src, float[] dst) {
        for (int e = 0; e < src.length; e++) {
            dst[e] = (float) src[e];
        }
    }
}
