package org.dl4jconnectome.kernels;

import org.dl4jconnectome.ode.IntegralController;
import org.dl4jconnectome.ode.StateBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operations the solvers rely on, checked for both host backends against the same float64 arithmetic written out
 * here on plain arrays (batch-innermost: state i of sample b at i·B + b). A new backend can be held to the same
 * contract.
 */
class StateBackendContractTest {

    static List<Arguments> backends() {
        List<Arguments> out = new ArrayList<>();
        BiFunction<Integer, Integer, StateBackend<?>> f64 = DoubleStates::new;
        BiFunction<Integer, Integer, StateBackend<?>> f32 = FloatStates::new;
        for (int[] size : new int[][] {{1, 1}, {37, 5}, {5000, 3}, {700, 8}, {64, 11}}) {
            out.add(Arguments.of("float64", f64, size[0], size[1], 1e-13));
            out.add(Arguments.of("float32", f32, size[0], size[1], 2e-6));
        }
        return out;
    }

    private static double[] random(Random rnd, int length) {
        double[] a = new double[length];
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextGaussian();
        }
        return a;
    }

    /** Values a float32 backend holds exactly, so that a round trip must be exact. */
    private static double[] exactInFloat(Random rnd, int length) {
        double[] a = new double[length];
        for (int i = 0; i < a.length; i++) {
            a[i] = (rnd.nextInt(2001) - 1000) / 64.0;
        }
        return a;
    }

    private static <V> V handle(StateBackend<V> ops, double[] host) {
        V v = ops.allocate();
        ops.write(host, v);
        return v;
    }

    private static <V> double[] host(StateBackend<V> ops, V v) {
        double[] out = new double[ops.size() * ops.batch()];
        ops.read(v, out);
        return out;
    }

    private static void assertClose(double expected, double actual, double tol, String what) {
        assertEquals(expected, actual, tol * Math.max(1.0, Math.abs(expected)), what);
    }

    @ParameterizedTest(name = "{0} {2}x{3}")
    @MethodSource("backends")
    void writeReadFillCopy(String name, BiFunction<Integer, Integer, StateBackend<?>> make, int n, int batch,
                           double tol) {
        writeReadFillCopy(make.apply(n, batch), new Random(n + batch));
    }

    private static <V> void writeReadFillCopy(StateBackend<V> ops, Random rnd) {
        int len = ops.size() * ops.batch();
        double[] a = exactInFloat(rnd, len);
        V v = handle(ops, a);
        double[] back = host(ops, v);
        for (int i = 0; i < len; i++) {
            assertEquals(a[i], back[i], 0.0, "round trip of element " + i);
        }
        for (double x : host(ops, ops.allocate())) {
            assertEquals(0.0, x, 0.0, "allocate gives zeros");
        }
        V w = ops.allocate();
        ops.fill(w, 0.375);
        for (double x : host(ops, w)) {
            assertEquals(0.375, x, 0.0);
        }
        ops.copy(v, w);
        double[] copied = host(ops, w);
        for (int i = 0; i < len; i++) {
            assertEquals(a[i], copied[i], 0.0);
        }
        boolean[] samples = new boolean[ops.batch()];
        for (int b = 0; b < samples.length; b += 2) {
            samples[b] = true;
        }
        V z = ops.allocate();
        ops.copySamples(v, z, samples);
        double[] part = host(ops, z);
        for (int i = 0; i < len; i++) {
            assertEquals(samples[i % ops.batch()] ? a[i] : 0.0, part[i], 0.0, "copySamples element " + i);
        }
    }

    @ParameterizedTest(name = "{0} {2}x{3}")
    @MethodSource("backends")
    void combineAndSpread(String name, BiFunction<Integer, Integer, StateBackend<?>> make, int n, int batch,
                          double tol) {
        combineAndSpread(make.apply(n, batch), new Random(7 * n + batch), tol);
    }

    private static <V> void combineAndSpread(StateBackend<V> ops, Random rnd, double tol) {
        int n = ops.size();
        int batch = ops.batch();
        int len = n * batch;
        int count = 4;
        double[] src = random(rnd, len);
        double[][] k = new double[count][];
        V[] kh = ops.handleArray(count);
        double[][] w = new double[count][batch];
        for (int j = 0; j < count; j++) {
            k[j] = random(rnd, len);
            kh[j] = handle(ops, k[j]);
            for (int b = 0; b < batch; b++) {
                w[j][b] = b == 1 ? 0.0 : rnd.nextGaussian();  // a zero step leaves its sample as it was
            }
        }
        boolean[] samples = new boolean[batch];
        for (int b = 0; b < batch; b++) {
            samples[b] = b != batch - 1 || batch == 1;
        }
        double[] before = random(rnd, len);
        V dst = handle(ops, before);
        boolean[] finite = new boolean[batch];
        ops.combine(dst, handle(ops, src), w, kh, count, samples, finite);
        double[] got = host(ops, dst);
        double[] srcHeld = host(ops, handle(ops, src));
        double[] beforeHeld = host(ops, handle(ops, before));
        for (int i = 0; i < len; i++) {
            int b = i % batch;
            if (samples[b]) {
                double e = srcHeld[i];
                for (int j = 0; j < count; j++) {
                    e += w[j][b] * host(ops, kh[j])[i];
                }
                assertClose(e, got[i], tol, "combine element " + i);
                assertTrue(finite[b]);
            } else {
                assertEquals(beforeHeld[i], got[i], 0.0, "an unselected sample is left as it was");
            }
        }

        // No source: 0 + Σ; and a non-finite value is reported for its sample only.
        k[0][3 % len] = Double.POSITIVE_INFINITY;
        kh[0] = handle(ops, k[0]);
        double[][] ones = new double[count][batch];
        for (double[] row : ones) {
            java.util.Arrays.fill(row, 1.0);
        }
        ops.combine(dst, null, ones, kh, count, null, finite);
        for (int b = 0; b < batch; b++) {
            assertEquals(b != 3 % len % batch, finite[b], "finite flag of sample " + b);
        }
        assertFalse(Double.isFinite(host(ops, dst)[3 % len]));

        // spread: dst[j] += w[j][b] · x
        double[] x = random(rnd, len);
        V xh = handle(ops, x);
        double[] xHeld = host(ops, xh);
        V[] targets = ops.handleArray(2);
        double[][] start = {random(rnd, len), random(rnd, len)};
        targets[0] = handle(ops, start[0]);
        targets[1] = handle(ops, start[1]);
        double[][] startHeld = {host(ops, targets[0]), host(ops, targets[1])};
        double[][] sw = {random(rnd, batch), random(rnd, batch)};
        ops.spread(xh, sw, targets, 2);
        for (int j = 0; j < 2; j++) {
            double[] t = host(ops, targets[j]);
            for (int i = 0; i < len; i++) {
                assertClose(startHeld[j][i] + sw[j][i % batch] * xHeld[i], t[i], tol, "spread " + j + " element " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0} {2}x{3}")
    @MethodSource("backends")
    void errorNorms(String name, BiFunction<Integer, Integer, StateBackend<?>> make, int n, int batch, double tol) {
        errorNorms(make.apply(n, batch), new Random(11 * n + batch), tol);
    }

    private static <V> void errorNorms(StateBackend<V> ops, Random rnd, double tol) {
        int n = ops.size();
        int batch = ops.batch();
        int len = n * batch;
        IntegralController c = new IntegralController(1e-6, 1e-3);
        V y = handle(ops, random(rnd, len));
        V yNew = handle(ops, random(rnd, len));
        double[] yH = host(ops, y);
        double[] yNewH = host(ops, yNew);
        int count = 3;
        V[] k = ops.handleArray(count);
        double[][] kH = new double[count][];
        for (int j = 0; j < count; j++) {
            k[j] = handle(ops, random(rnd, len));
            kH[j] = host(ops, k[j]);
        }
        double[] e = {0.1, -0.2, 0.05};
        double[] h = random(rnd, batch);
        boolean[] samples = new boolean[batch];
        for (int b = 0; b < batch; b++) {
            samples[b] = b % 3 != 2;
        }
        double[] ratio = new double[batch];
        ops.errorRatios(y, yNew, h, e, k, count, c, samples, ratio);
        double[] rms = new double[batch];
        ops.scaledRms(y, yNew, c, rms);
        for (int b = 0; b < batch; b++) {
            double sum = 0;
            double sumRms = 0;
            for (int i = 0; i < n; i++) {
                int x = i * batch + b;
                double err = 0;
                for (int j = 0; j < count; j++) {
                    err += e[j] * kH[j][x];
                }
                double s = h[b] * err / (1e-6 + 1e-3 * Math.max(Math.abs(yH[x]), Math.abs(yNewH[x])));
                sum += s * s;
                double r = yH[x] / (1e-6 + 1e-3 * Math.abs(yNewH[x]));
                sumRms += r * r;
            }
            double expected = samples[b] ? Math.sqrt(sum / n) : 0.0;
            assertClose(expected, ratio[b], tol, "error ratio of sample " + b);
            assertClose(Math.sqrt(sumRms / n), rms[b], tol, "scaled RMS of sample " + b);
        }
    }

    @ParameterizedTest(name = "{0} {2}x{3}")
    @MethodSource("backends")
    void evaluationPoints(String name, BiFunction<Integer, Integer, StateBackend<?>> make, int n, int batch,
                          double tol) {
        evaluationPoints(make.apply(n, batch), new Random(13 * n + batch));
    }

    private static <V> void evaluationPoints(StateBackend<V> ops, Random rnd) {
        int n = ops.size();
        int batch = ops.batch();
        double[] state = exactInFloat(rnd, n * batch);
        V v = handle(ops, state);
        int[] rows = n == 1 ? new int[] {0} : new int[] {n - 1, 0, n / 2};
        int points = 4;
        int point = 2;
        boolean[] samples = new boolean[batch];
        for (int b = 0; b < batch; b++) {
            samples[b] = b % 2 == 0;
        }
        int m = rows.length;
        double[] outD = new double[batch * m * points];
        float[] outF = new float[outD.length];
        java.util.Arrays.fill(outD, -7.0);
        java.util.Arrays.fill(outF, -7f);
        ops.readPoint(v, rows, point, points, samples, outD);
        ops.readPoint(v, rows, point, points, samples, outF);
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < m; o++) {
                for (int p = 0; p < points; p++) {
                    int at = (b * m + o) * points + p;
                    double expected = samples[b] && p == point ? state[rows[o] * batch + b] : -7.0;
                    assertEquals(expected, outD[at], 0.0, "readPoint sample " + b + " row " + rows[o] + " point " + p);
                    assertEquals((float) expected, outF[at], 0.0f);
                }
            }
        }

        // addPoint: cotangents of one time index added into the given rows of every sample.
        double[] in = exactInFloat(rnd, batch * m * points);
        V acc = handle(ops, state);
        ops.addPoint(in, rows, point, points, acc);
        double[] got = host(ops, acc);
        double[] expected = state.clone();
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < m; o++) {
                expected[rows[o] * batch + b] += in[(b * m + o) * points + point];
            }
        }
        for (int i = 0; i < got.length; i++) {
            assertEquals(expected[i], got[i], 0.0, "addPoint element " + i);
        }
    }
}
