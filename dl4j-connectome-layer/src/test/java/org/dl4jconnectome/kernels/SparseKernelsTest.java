package org.dl4jconnectome.kernels;

import org.dl4jconnectome.connectome.CsrMatrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

class SparseKernelsTest {
    /** Batch sizes reaching every chunk path: below, at and above 4 and 8 lanes, with and without a tail. */
    private static final int[] BATCHES = {1, 3, 4, 8, 11, 16, 19};
    private static final int[] WIDTHS = {1, 2, 3, 7, BlockedCsr.DEFAULT_BLOCK_WIDTH};
    private static final int[] PARTITIONS = {1, 2, 3, 5};
    private static final double DOUBLE_TOL = 1e-12;
    private static final double FLOAT_TOL = 1e-5;

    private static int savedThreads;

    @BeforeAll
    static void useSeveralThreads() {
        // Several partitions only run concurrently with more than one kernel thread.
        savedThreads = Parallel.threads();
        Parallel.setThreads(3);
    }

    @AfterAll
    static void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    static List<SparseKernels> implementations() {
        return List.of(SparseKernels.scalar(), SparseKernels.best());
    }

    static Stream<Arguments> implementationsAndMatrices() {
        List<Arguments> out = new ArrayList<>();
        for (SparseKernels k : implementations()) {
            for (KernelMatrices.Case c : KernelMatrices.all()) {
                out.add(Arguments.of(Named.of(k.name(), k), c));
            }
        }
        return out.stream();
    }

    static Stream<Arguments> implementationsNamed() {
        return implementations().stream().map(k -> Arguments.of(Named.of(k.name(), k)));
    }

    /** One blocked structure of the matrix (or of its transpose) with its values in storage order. */
    private static final class Prepared {
        final BlockedCsr a;
        final double[] values;
        final double[][] dense;

        Prepared(CsrMatrix m, boolean transposed, int width, int parts) {
            a = transposed
                    ? BlockedCsr.transposeOf(m.rows(), m.cols(), m.rowPointers(), m.columnIndices(), width, parts)
                    : BlockedCsr.of(m.rows(), m.cols(), m.rowPointers(), m.columnIndices(), width, parts);
            values = new double[a.nnz()];
            a.toStorageOrder(m.values(), values);
            double[][] d = m.toDense();
            if (transposed) {
                double[][] t = new double[m.cols()][m.rows()];
                for (int r = 0; r < m.rows(); r++) {
                    for (int c = 0; c < m.cols(); c++) {
                        t[c][r] = d[r][c];
                    }
                }
                d = t;
            }
            dense = d;
        }
    }

    private static double[] randomVector(Random rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextDouble() * 2 - 1;
        }
        return v;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /**
     * Checks y = D·x against the dense float64 product, with an error bound relative to Σ|D||x| (the scale of the
     * rounding errors, also where the sum cancels).
     */
    private static void assertProduct(double[][] d, double[] x, double[] y, int batch, double tol, String what) {
        int rows = d.length;
        int cols = x.length / batch;
        for (int i = 0; i < rows; i++) {
            for (int b = 0; b < batch; b++) {
                double ref = 0;
                double scale = 0;
                for (int j = 0; j < cols; j++) {
                    ref += d[i][j] * x[j * batch + b];
                    scale += Math.abs(d[i][j] * x[j * batch + b]);
                }
                double got = y[i * batch + b];
                if (!(Math.abs(got - ref) <= tol * scale)) {
                    fail(what + ": y[" + i + ", " + b + "] = " + got + ", expected " + ref);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("implementationsAndMatrices")
    void multiplyMatchesDenseProduct(SparseKernels k, KernelMatrices.Case c) {
        Random rnd = new Random(17);
        for (boolean transposed : new boolean[] {false, true}) {
            for (int w : WIDTHS) {
                for (int p : PARTITIONS) {
                    Prepared prep = new Prepared(c.matrix, transposed, w, p);
                    BlockedCsr a = prep.a;
                    float[] valuesF = toFloat(prep.values);
                    double[][] denseF = new Prepared(c.matrix.withValues(toDouble(toFloat(c.matrix.values()))),
                            transposed, w, p).dense;
                    for (int batch : BATCHES) {
                        String what = c + (transposed ? " transposed" : "") + ", width " + w + ", " + p
                                + " partitions, batch " + batch;
                        double[] x = randomVector(rnd, a.cols() * batch);
                        double[] y = new double[a.rows() * batch];
                        Arrays.fill(y, Double.NaN); // y is overwritten, never accumulated into
                        k.multiply(a, prep.values, x, y, batch);
                        assertProduct(prep.dense, x, y, batch, DOUBLE_TOL, "double " + what);

                        float[] xf = toFloat(x);
                        float[] yf = new float[y.length];
                        Arrays.fill(yf, Float.NaN);
                        k.multiply(a, valuesF, xf, yf, batch);
                        assertProduct(denseF, toDouble(xf), toDouble(yf), batch, FLOAT_TOL, "float " + what);
                    }
                }
            }
        }
    }

    /** Reference of accumulateOuter in CSR order: grad[k] = Σ_b g[row_k, b] · x[col_k, b] of the product's matrix. */
    private static double[][] outerReference(CsrMatrix m, boolean transposed, double[] g, double[] x, int batch) {
        int[] ri = m.rowIndices();
        int[] ci = m.columnIndices();
        double[] ref = new double[m.nnz()];
        double[] scale = new double[m.nnz()];
        for (int e = 0; e < ref.length; e++) {
            int row = transposed ? ci[e] : ri[e];
            int col = transposed ? ri[e] : ci[e];
            for (int b = 0; b < batch; b++) {
                ref[e] += g[row * batch + b] * x[col * batch + b];
                scale[e] += Math.abs(g[row * batch + b] * x[col * batch + b]);
            }
        }
        return new double[][] {ref, scale};
    }

    /** Checks acc = initial + reference, compared in CSR order (through toCsrOrder). */
    private static void assertOuter(BlockedCsr a, double[] initial, double[] acc, double[][] refAndScale, double tol,
                                    String what) {
        double[] initialCsr = new double[acc.length];
        double[] accCsr = new double[acc.length];
        a.toCsrOrder(initial, initialCsr);
        a.toCsrOrder(acc, accCsr);
        for (int e = 0; e < accCsr.length; e++) {
            double expected = initialCsr[e] + refAndScale[0][e];
            double allowed = tol * refAndScale[1][e] + 1e-15 * Math.abs(initialCsr[e]);
            if (!(Math.abs(accCsr[e] - expected) <= allowed)) {
                fail(what + ": entry " + e + " is " + accCsr[e] + ", expected " + expected);
            }
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("implementationsAndMatrices")
    void accumulateOuterMatchesDenseReference(SparseKernels k, KernelMatrices.Case c) {
        Random rnd = new Random(23);
        CsrMatrix mf = c.matrix;
        for (boolean transposed : new boolean[] {false, true}) {
            for (int w : WIDTHS) {
                for (int p : PARTITIONS) {
                    BlockedCsr a = new Prepared(mf, transposed, w, p).a;
                    for (int batch : BATCHES) {
                        String what = c + (transposed ? " transposed" : "") + ", width " + w + ", " + p
                                + " partitions, batch " + batch;
                        double[] g = randomVector(rnd, a.rows() * batch);
                        double[] x = randomVector(rnd, a.cols() * batch);
                        // acc starts non-zero: the kernel adds to it.
                        double[] initial = randomVector(rnd, a.nnz());
                        double[] acc = initial.clone();
                        k.accumulateOuter(a, g, x, acc, batch);
                        assertOuter(a, initial, acc, outerReference(mf, transposed, g, x, batch), DOUBLE_TOL,
                                "double " + what);

                        float[] gf = toFloat(g);
                        float[] xf = toFloat(x);
                        double[] accF = initial.clone();
                        k.accumulateOuter(a, gf, xf, accF, batch);
                        assertOuter(a, initial, accF, outerReference(mf, transposed, toDouble(gf), toDouble(xf), batch),
                                FLOAT_TOL, "float " + what);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("implementationsNamed")
    void resultsDoNotDependOnTheThreadCount(SparseKernels k) {
        CsrMatrix m = KernelMatrices.all().get(0).matrix;
        BlockedCsr a = BlockedCsr.of(m.rows(), m.cols(), m.rowPointers(), m.columnIndices(), 3, 5);
        double[] v = new double[a.nnz()];
        a.toStorageOrder(m.values(), v);
        int batch = 11;
        Random rnd = new Random(29);
        double[] x = randomVector(rnd, m.cols() * batch);
        double[] g = randomVector(rnd, m.rows() * batch);
        double[] y3 = new double[m.rows() * batch];
        double[] acc3 = new double[a.nnz()];
        k.multiply(a, v, x, y3, batch);
        k.accumulateOuter(a, g, x, acc3, batch);
        double[] y1 = new double[y3.length];
        double[] acc1 = new double[acc3.length];
        Parallel.setThreads(1);
        try {
            k.multiply(a, v, x, y1, batch);
            k.accumulateOuter(a, g, x, acc1, batch);
        } finally {
            Parallel.setThreads(3);
        }
        assertArrayEquals(y1, y3, 0);
        assertArrayEquals(acc1, acc3, 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("implementationsNamed")
    void wrongLengthsAreRejected(SparseKernels k) {
        CsrMatrix m = KernelMatrices.random(31, 6, 5, 12, new int[0], new int[0]);
        BlockedCsr a = BlockedCsr.of(6, 5, m.rowPointers(), m.columnIndices(), 2, 2);
        int nnz = a.nnz();
        int b = 3;
        assertThrows(IllegalArgumentException.class, () -> k.multiply(a, new double[nnz - 1], new double[5 * b],
                new double[6 * b], b));
        assertThrows(IllegalArgumentException.class, () -> k.multiply(a, new double[nnz + 1], new double[5 * b],
                new double[6 * b], b));
        assertThrows(IllegalArgumentException.class, () -> k.multiply(a, new double[nnz], new double[5 * b - 1],
                new double[6 * b], b));
        assertThrows(IllegalArgumentException.class, () -> k.multiply(a, new double[nnz], new double[5 * b],
                new double[6 * b - 1], b));
        assertThrows(IllegalArgumentException.class, () -> k.multiply(a, new double[nnz], new double[5 * b],
                new double[6 * b], 0));
        assertThrows(IllegalArgumentException.class, () -> k.multiply(a, new float[nnz - 1], new float[5 * b],
                new float[6 * b], b));
        assertThrows(IllegalArgumentException.class, () -> k.multiply(a, new float[nnz], new float[5 * b - 1],
                new float[6 * b], b));
        assertThrows(IllegalArgumentException.class, () -> k.multiply(a, new float[nnz], new float[5 * b],
                new float[6 * b - 1], b));
        assertThrows(IllegalArgumentException.class, () -> k.accumulateOuter(a, new double[6 * b - 1],
                new double[5 * b], new double[nnz], b));
        assertThrows(IllegalArgumentException.class, () -> k.accumulateOuter(a, new double[6 * b],
                new double[5 * b - 1], new double[nnz], b));
        assertThrows(IllegalArgumentException.class, () -> k.accumulateOuter(a, new double[6 * b],
                new double[5 * b], new double[nnz - 1], b));
        assertThrows(IllegalArgumentException.class, () -> k.accumulateOuter(a, new double[6 * b],
                new double[5 * b], new double[nnz], -1));
        assertThrows(IllegalArgumentException.class, () -> k.accumulateOuter(a, new float[6 * b - 1],
                new float[5 * b], new double[nnz], b));
        assertThrows(IllegalArgumentException.class, () -> k.accumulateOuter(a, new float[6 * b],
                new float[5 * b - 1], new double[nnz], b));
        assertThrows(IllegalArgumentException.class, () -> k.accumulateOuter(a, new float[6 * b],
                new float[5 * b], new double[nnz + 1], b));
    }

    @Test
    void bestIsTheVectorImplementationWhenTheJvmHasTheModule() {
        // The suite runs with --add-modules jdk.incubator.vector, and again without (the scalar path users get).
        boolean vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertEquals(vector ? "vector" : "scalar", SparseKernels.best().name());
        assertEquals("scalar", SparseKernels.scalar().name());
    }
}
