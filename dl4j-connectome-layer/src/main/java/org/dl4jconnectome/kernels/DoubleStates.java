package org.dl4jconnectome.kernels;

import org.dl4jconnectome.ode.IntegralController;
import org.dl4jconnectome.ode.StateBackend;

import java.util.Arrays;

/**
 * The host backend in float64: a batch of states is one {@code double[]} of n·B values, batch-innermost (state i of
 * sample b at {@code i · B + b}), and the operations run on {@link Parallel}'s threads in row chunks that stay in the
 * core's cache. {@link FloatStates} is its float32 twin.
 */
public final class DoubleStates implements StateBackend<double[]> {
    /** Rows per chunk of the elementwise passes. */
    private static final int CHUNK_ROWS = 512;

    private final int n;
    private final int batch;

    public DoubleStates(int size, int batch) {
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
    public double[] allocate() {
        return new double[n * batch];
    }

    @Override
    public double[][] handleArray(int length) {
        return new double[length][];
    }

    @Override
    public void copy(double[] src, double[] dst) {
        if (src != dst) {
            System.arraycopy(src, 0, dst, 0, src.length);
        }
    }

    @Override
    public void copySamples(double[] src, double[] dst, boolean[] samples) {
        for (int b = 0; b < batch; b++) {
            if (samples[b]) {
                for (int e = b; e < src.length; e += batch) {
                    dst[e] = src[e];
                }
            }
        }
    }

    @Override
    public void fill(double[] dst, double value) {
        Arrays.fill(dst, value);
    }

    @Override
    public void combine(double[] dst, double[] src, double[][] w, double[][] k, int count, boolean[] samples,
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

    /** Every sample's weights are the same: whole-array passes that the JIT vectorises. */
    private static void combineUniform(double[] dst, double[] src, double[][] w, double[][] k, int count, int e0,
                                       int e1) {
        if (src == null) {
            Arrays.fill(dst, e0, e1, 0.0);
        } else if (src != dst) {
            System.arraycopy(src, e0, dst, e0, e1 - e0);
        }
        for (int j = 0; j < count; j++) {
            double c = w[j][0];
            if (c != 0) {
                double[] kj = k[j];
                for (int e = e0; e < e1; e++) {
                    dst[e] += c * kj[e];
                }
            }
        }
    }

    private void combinePerSample(double[] dst, double[] src, double[][] w, double[][] k, int count,
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
                dst[e] = acc;
            }
        }
    }

    /** Marks the samples with a non-finite value in [e0, e1): x · 0 is 0 exactly when x is finite. */
    private void checkFinite(double[] v, boolean[] samples, boolean[] finite, int e0, int e1) {
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
    public void spread(double[] x, double[][] w, double[][] dst, int count) {
        boolean uniform = StateChecks.uniform(w, count, batch);
        Parallel.forRange(n, (lo, hi) -> {
            for (int c0 = lo; c0 < hi; c0 += CHUNK_ROWS) {
                int e0 = c0 * batch;
                int e1 = Math.min(hi, c0 + CHUNK_ROWS) * batch;
                for (int j = 0; j < count; j++) {
                    double[] d = dst[j];
                    if (uniform) {
                        double c = w[j][0];
                        for (int e = e0; e < e1; e++) {
                            d[e] += c * x[e];
                        }
                    } else {
                        double[] wj = w[j];
                        for (int r = e0; r < e1; r += batch) {
                            for (int b = 0; b < batch; b++) {
                                d[r + b] += wj[b] * x[r + b];
                            }
                        }
                    }
                }
            }
        });
    }

    @Override
    public void errorRatios(double[] y, double[] yNew, double[] h, double[] e, double[][] k, int count,
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
    public void scaledRms(double[] x, double[] ref, IntegralController c, double[] rms) {
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
    public void readPoint(double[] state, int[] rows, int point, int points, boolean[] samples, double[] out) {
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
    public void readPoint(double[] state, int[] rows, int point, int points, boolean[] samples, float[] out) {
        int m = rows.length;
        Parallel.forRange(m, (lo, hi) -> {
            for (int o = lo; o < hi; o++) {
                int src = rows[o] * batch;
                for (int b = 0; b < batch; b++) {
                    if (samples == null || samples[b]) {
                        out[(b * m + o) * points + point] = (float) state[src + b];
                    }
                }
            }
        });
    }

    @Override
    public void addPoint(double[] in, int[] rows, int point, int points, double[] state) {
        int m = rows.length;
        // Rows may repeat in a selection: accumulate sequentially per row range of the selection.
        for (int o = 0; o < m; o++) {
            int dst = rows[o] * batch;
            for (int b = 0; b < batch; b++) {
                state[dst + b] += in[(b * m + o) * points + point];
            }
        }
    }

    @Override
    public void read(double[] src, double[] dst) {
        System.arraycopy(src, 0, dst, 0, src.length);
    }

    @Override
    public void write(double[] src, double[] dst) {
        System.arraycopy(src, 0, dst, 0, src.length);
    }
}
