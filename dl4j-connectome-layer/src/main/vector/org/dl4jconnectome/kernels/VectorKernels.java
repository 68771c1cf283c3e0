package org.dl4jconnectome.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD kernels on the JDK Vector API: one vector register holds a row's partial sums for a chunk of samples, and
 * each stored entry costs one broadcast, one gathered load and one fused multiply-add. Loaded only when the module
 * {@code jdk.incubator.vector} is present (see {@link SparseKernels#best()}).
 * <p>
 * The loops live in small static methods rather than in the lambdas that spread them over threads: C2 then compiles
 * them as ordinary methods and intrinsifies every vector operation (a lambda's on-stack-replaced loop was seen to
 * fall back to the API's slow Java implementation).
 */
final class VectorKernels implements SparseKernels {
    static final VectorKernels INSTANCE = new VectorKernels();

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;

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
        int[] col = a.columns();
        int lanes = F8.length();
        boolean first = blk == 0;
        for (int r = lo; r < hi; r++) {
            int s0 = a.rowStart(blk, r);
            int s1 = a.rowStart(blk, r + 1);
            int yo = r * batch;
            int b = 0;
            for (; b + lanes <= batch; b += lanes) {
                FloatVector acc = first ? FloatVector.zero(F8) : FloatVector.fromArray(F8, y, yo + b);
                for (int s = s0; s < s1; s++) {
                    acc = FloatVector.fromArray(F8, x, col[s] * batch + b).fma(FloatVector.broadcast(F8, values[s]),
                            acc);
                }
                acc.intoArray(y, yo + b);
            }
            for (; b < batch; b++) {
                float acc = first ? 0 : y[yo + b];
                for (int s = s0; s < s1; s++) {
                    acc += values[s] * x[col[s] * batch + b];
                }
                y[yo + b] = acc;
            }
        }
    }

    @Override
    public void multiply(BlockedCsr a, double[] values, double[] x, double[] y, int batch) {
        KernelChecks.product(a, values.length, x.length, y.length, batch);
        a.forEachBlock((blk, lo, hi) -> multiplyRows(a, blk, lo, hi, values, x, y, batch));
    }

    private static void multiplyRows(BlockedCsr a, int blk, int lo, int hi, double[] values, double[] x, double[] y,
                                     int batch) {
        int[] col = a.columns();
        int lanes = D4.length();
        boolean first = blk == 0;
        for (int r = lo; r < hi; r++) {
            int s0 = a.rowStart(blk, r);
            int s1 = a.rowStart(blk, r + 1);
            int yo = r * batch;
            int b = 0;
            for (; b + lanes <= batch; b += lanes) {
                DoubleVector acc = first ? DoubleVector.zero(D4) : DoubleVector.fromArray(D4, y, yo + b);
                for (int s = s0; s < s1; s++) {
                    acc = DoubleVector.fromArray(D4, x, col[s] * batch + b)
                            .fma(DoubleVector.broadcast(D4, values[s]), acc);
                }
                acc.intoArray(y, yo + b);
            }
            for (; b < batch; b++) {
                double acc = first ? 0 : y[yo + b];
                for (int s = s0; s < s1; s++) {
                    acc += values[s] * x[col[s] * batch + b];
                }
                y[yo + b] = acc;
            }
        }
    }

    @Override
    public void accumulateOuter(BlockedCsr a, float[] g, float[] x, double[] acc, int stride, int width) {
        KernelChecks.outer(a, g.length, x.length, acc.length, stride, width);
        a.forEachBlock((blk, lo, hi) -> outerRows(a, blk, lo, hi, g, x, acc, stride, width));
    }

    private static void outerRows(BlockedCsr a, int blk, int lo, int hi, float[] g, float[] x, double[] acc,
                                  int stride, int width) {
        int[] col = a.columns();
        int lanes = F8.length();
        int full = width - width % lanes;
        for (int r = lo; r < hi; r++) {
            int go = r * stride;
            for (int s = a.rowStart(blk, r), e = a.rowStart(blk, r + 1); s < e; s++) {
                int xo = col[s] * stride;
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
        int[] col = a.columns();
        int lanes = D4.length();
        int full = width - width % lanes;
        for (int r = lo; r < hi; r++) {
            int go = r * stride;
            for (int s = a.rowStart(blk, r), e = a.rowStart(blk, r + 1); s < e; s++) {
                int xo = col[s] * stride;
                DoubleVector v = DoubleVector.zero(D4);
                for (int j = 0; j < full; j += lanes) {
                    v = DoubleVector.fromArray(D4, g, go + j).fma(DoubleVector.fromArray(D4, x, xo + j), v);
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
