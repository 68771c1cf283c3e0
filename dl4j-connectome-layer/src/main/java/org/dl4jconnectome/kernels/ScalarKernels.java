package org.dl4jconnectome.kernels;

/**
 * Plain-Java kernels. Each row keeps its partial sums for up to eight samples in local variables, which the JIT
 * holds in registers; writing them to the output array inside the entry loop is several times slower.
 */
final class ScalarKernels implements SparseKernels {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {
    }

    @Override
    public ActivationKernels activations() {
        return ScalarActivations.INSTANCE;
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void multiply(BlockedCsr a, float[] values, float[] x, float[] y, int batch) {
        KernelChecks.product(a, values.length, x.length, y.length, batch);
        a.forEachBlock((blk, lo, hi) -> multiplyRows(a, blk, lo, hi, values, x, y, batch));
    }

    @Override
    public void multiply(BlockedCsr a, double[] values, double[] x, double[] y, int batch) {
        KernelChecks.product(a, values.length, x.length, y.length, batch);
        a.forEachBlock((blk, lo, hi) -> multiplyRows(a, blk, lo, hi, values, x, y, batch));
    }

    @Override
    public void accumulateOuter(BlockedCsr a, float[] g, float[] x, double[] acc, int stride, int width) {
        KernelChecks.outer(a, g.length, x.length, acc.length, stride, width);
        a.forEachBlock((blk, lo, hi) -> {
            char[] col = a.localColumns();
            for (int r = lo; r < hi; r++) {
                int go = r * stride;
                for (int s = a.rowStart(blk, r), e = a.rowStart(blk, r + 1); s < e; s++) {
                    int xo = (a.blockStart(blk) + col[s]) * stride;
                    double sum = 0;
                    for (int j = 0; j < width; j++) {
                        sum += g[go + j] * x[xo + j];
                    }
                    acc[s] += sum;
                }
            }
        });
    }

    @Override
    public void accumulateOuter(BlockedCsr a, double[] g, double[] x, double[] acc, int stride, int width) {
        KernelChecks.outer(a, g.length, x.length, acc.length, stride, width);
        a.forEachBlock((blk, lo, hi) -> {
            char[] col = a.localColumns();
            for (int r = lo; r < hi; r++) {
                int go = r * stride;
                for (int s = a.rowStart(blk, r), e = a.rowStart(blk, r + 1); s < e; s++) {
                    int xo = (a.blockStart(blk) + col[s]) * stride;
                    double sum = 0;
                    for (int j = 0; j < width; j++) {
                        sum += g[go + j] * x[xo + j];
                    }
                    acc[s] += sum;
                }
            }
        });
    }

    private static void multiplyRows(BlockedCsr a, int blk, int lo, int hi, float[] v, float[] x, float[] y,
                                     int batch) {
        char[] col = a.localColumns();
        boolean first = blk == 0;
        int xb = a.blockStart(blk) * batch;
        for (int r = lo; r < hi; r++) {
            int s0 = a.rowStart(blk, r);
            int s1 = a.rowStart(blk, r + 1);
            int yo = r * batch;
            int b = 0;
            for (; b + 8 <= batch; b += 8) {
                int o = yo + b;
                float a0 = first ? 0 : y[o], a1 = first ? 0 : y[o + 1], a2 = first ? 0 : y[o + 2];
                float a3 = first ? 0 : y[o + 3], a4 = first ? 0 : y[o + 4], a5 = first ? 0 : y[o + 5];
                float a6 = first ? 0 : y[o + 6], a7 = first ? 0 : y[o + 7];
                for (int s = s0; s < s1; s++) {
                    float w = v[s];
                    int xo = xb + col[s] * batch + b;
                    a0 += w * x[xo];
                    a1 += w * x[xo + 1];
                    a2 += w * x[xo + 2];
                    a3 += w * x[xo + 3];
                    a4 += w * x[xo + 4];
                    a5 += w * x[xo + 5];
                    a6 += w * x[xo + 6];
                    a7 += w * x[xo + 7];
                }
                y[o] = a0;
                y[o + 1] = a1;
                y[o + 2] = a2;
                y[o + 3] = a3;
                y[o + 4] = a4;
                y[o + 5] = a5;
                y[o + 6] = a6;
                y[o + 7] = a7;
            }
            for (; b + 4 <= batch; b += 4) {
                int o = yo + b;
                float a0 = first ? 0 : y[o], a1 = first ? 0 : y[o + 1];
                float a2 = first ? 0 : y[o + 2], a3 = first ? 0 : y[o + 3];
                for (int s = s0; s < s1; s++) {
                    float w = v[s];
                    int xo = xb + col[s] * batch + b;
                    a0 += w * x[xo];
                    a1 += w * x[xo + 1];
                    a2 += w * x[xo + 2];
                    a3 += w * x[xo + 3];
                }
                y[o] = a0;
                y[o + 1] = a1;
                y[o + 2] = a2;
                y[o + 3] = a3;
            }
            for (; b < batch; b++) {
                float a0 = first ? 0 : y[yo + b];
                for (int s = s0; s < s1; s++) {
                    a0 += v[s] * x[xb + col[s] * batch + b];
                }
                y[yo + b] = a0;
            }
        }
    }

    private static void multiplyRows(BlockedCsr a, int blk, int lo, int hi, double[] v, double[] x, double[] y,
                                     int batch) {
        char[] col = a.localColumns();
        boolean first = blk == 0;
        int xb = a.blockStart(blk) * batch;
        for (int r = lo; r < hi; r++) {
            int s0 = a.rowStart(blk, r);
            int s1 = a.rowStart(blk, r + 1);
            int yo = r * batch;
            int b = 0;
            for (; b + 4 <= batch; b += 4) {
                int o = yo + b;
                double a0 = first ? 0 : y[o], a1 = first ? 0 : y[o + 1];
                double a2 = first ? 0 : y[o + 2], a3 = first ? 0 : y[o + 3];
                for (int s = s0; s < s1; s++) {
                    double w = v[s];
                    int xo = xb + col[s] * batch + b;
                    a0 += w * x[xo];
                    a1 += w * x[xo + 1];
                    a2 += w * x[xo + 2];
                    a3 += w * x[xo + 3];
                }
                y[o] = a0;
                y[o + 1] = a1;
                y[o + 2] = a2;
                y[o + 3] = a3;
            }
            for (; b < batch; b++) {
                double a0 = first ? 0 : y[yo + b];
                for (int s = s0; s < s1; s++) {
                    a0 += v[s] * x[xb + col[s] * batch + b];
                }
                y[yo + b] = a0;
            }
        }
    }
}
