package org.dl4jconnectome.cuda;

import org.dl4jconnectome.kernels.DoubleStates;
import org.dl4jconnectome.kernels.FloatStates;
import org.dl4jconnectome.ode.IntegralController;
import org.dl4jconnectome.ode.StateBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every operation of the device backend against the host backend of the same precision (float64 to 1e-13, float32
 * to 1e-6 of the values' scale), on the emulated device, with per-sample weights, sample masks, more than eight
 * terms, non-finite values and repeated readout rows; and the argument checks.
 */
class CudaStatesTest {
    private static final int N = 45;

    /** A pair of backends, the device's and the host's, with ways to fill and compare their states. */
    private static final class Pair {
        final CudaStates gpu;
        final StateBackend<Object> cpu;
        final boolean single;
        final int batch;
        final SplittableRandom rnd = new SplittableRandom(17);

        @SuppressWarnings("unchecked")
        Pair(int batch, boolean single) {
            this.batch = batch;
            this.single = single;
            this.gpu = new CudaStates(new CudaStream(Emulator.device()), N, batch, single);
            StateBackend<?> host = single ? new FloatStates(N, batch) : new DoubleStates(N, batch);
            this.cpu = (StateBackend<Object>) host;
        }

        double[] random() {
            double[] v = new double[N * batch];
            for (int i = 0; i < v.length; i++) {
                v[i] = rnd.nextDouble() * 4 - 2;
            }
            return v;
        }

        /** The same random values in both backends. */
        Object[] state() {
            double[] v = random();
            DeviceArray g = gpu.allocate();
            gpu.write(v, g);
            Object c = cpu.allocate();
            cpu.write(v, c);
            return new Object[]{g, c};
        }

        void assertSame(Object[] s, String what) {
            double[] a = new double[N * batch];
            double[] b = new double[N * batch];
            cpu.read(s[1], a);
            gpu.read((DeviceArray) s[0], b);
            double scale = 1;
            for (double v : a) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], (single ? 1e-6 : 1e-13) * scale, what + "[" + i + "]");
            }
        }

        double[][] weights(int count, boolean uniform) {
            double[][] w = new double[count][batch];
            for (int j = 0; j < count; j++) {
                double c = rnd.nextDouble() - 0.5;
                for (int b = 0; b < batch; b++) {
                    w[j][b] = uniform ? c : rnd.nextDouble() - 0.5;
                }
            }
            return w;
        }

        DeviceArray[] gpuHandles(Object[][] states) {
            DeviceArray[] h = new DeviceArray[states.length];
            for (int i = 0; i < h.length; i++) {
                h[i] = (DeviceArray) states[i][0];
            }
            return h;
        }

        Object[] cpuHandles(Object[][] states) {
            Object[] h = single ? new float[states.length][] : new double[states.length][];
            for (int i = 0; i < h.length; i++) {
                h[i] = states[i][1];
            }
            return h;
        }
    }

    private static boolean[] mask(int batch, int... off) {
        boolean[] m = new boolean[batch];
        Arrays.fill(m, true);
        for (int b : off) {
            m[b] = false;
        }
        return m;
    }

    @ParameterizedTest(name = "batch {0}, float32 {1}, terms {2}, uniform {3}, masked {4}")
    @CsvSource({"3, false, 6, true, false", "3, true, 6, false, true", "8, false, 11, false, false",
            "1, true, 0, true, false", "5, false, 2, false, true", "40, true, 9, true, true"})
    void combineAndSpreadMatchTheHost(int batch, boolean single, int terms, boolean uniform, boolean masked) {
        Pair p = new Pair(batch, single);
        Object[][] k = new Object[terms][];
        for (int j = 0; j < terms; j++) {
            k[j] = p.state();
        }
        Object[] src = p.state();
        Object[] dst = p.state();
        double[][] w = p.weights(terms, uniform);
        boolean[] samples = masked ? mask(batch, batch - 1) : null;
        boolean[] finiteGpu = new boolean[batch];
        boolean[] finiteCpu = new boolean[batch];
        p.gpu.combine((DeviceArray) dst[0], (DeviceArray) src[0], w, p.gpuHandles(k), terms, samples, finiteGpu);
        p.cpu.combine(dst[1], src[1], w, p.cpuHandles(k), terms, samples, finiteCpu);
        p.assertSame(dst, "combine");
        assertArrayEquals(finiteCpu, finiteGpu, "finite flags");
        // In place, without src (dst = Σ w k) and without the finite check.
        p.gpu.combine((DeviceArray) dst[0], null, w, p.gpuHandles(k), terms, samples, null);
        p.cpu.combine(dst[1], null, w, p.cpuHandles(k), terms, samples, null);
        p.assertSame(dst, "combine without src");
        p.gpu.spread((DeviceArray) src[0], w, p.gpuHandles(k), terms);
        p.cpu.spread(src[1], w, p.cpuHandles(k), terms);
        for (int j = 0; j < terms; j++) {
            p.assertSame(k[j], "spread target " + j);
        }
    }

    @ParameterizedTest(name = "float32 {0}")
    @CsvSource({"false", "true"})
    void nonFiniteValuesAreFlaggedPerSample(boolean single) {
        Pair p = new Pair(4, single);
        Object[] a = p.state();
        double[] v = p.random();
        v[7 * 4 + 2] = Double.NaN;
        v[11 * 4 + 0] = single ? 1e39 : Double.POSITIVE_INFINITY;
        p.gpu.write(v, (DeviceArray) a[0]);
        double[][] w = {{1, 1, 1, 1}};
        boolean[] finite = new boolean[4];
        DeviceArray out = p.gpu.allocate();
        p.gpu.combine(out, null, w, new DeviceArray[]{(DeviceArray) a[0]}, 1, null, finite);
        assertArrayEquals(new boolean[]{false, true, false, true}, finite);
        // A masked-out sample is not checked.
        p.gpu.combine(out, null, w, new DeviceArray[]{(DeviceArray) a[0]}, 1, mask(4, 2), finite);
        assertArrayEquals(new boolean[]{false, true, true, true}, finite);
    }

    @ParameterizedTest(name = "batch {0}, float32 {1}")
    @CsvSource({"3, false", "7, true", "300, false"})
    void normsAndSampleCopiesMatchTheHost(int batch, boolean single) {
        Pair p = new Pair(batch, single);
        IntegralController c = new IntegralController(1e-6, 1e-3);
        Object[][] k = new Object[7][];
        for (int j = 0; j < 7; j++) {
            k[j] = p.state();
        }
        Object[] y = p.state();
        Object[] yNew = p.state();
        double[] h = new double[batch];
        for (int b = 0; b < batch; b++) {
            h[b] = 0.01 * (b + 1);
        }
        double[] e = {0.1, 0, -0.2, 0.05, 0.3, -0.1, 0.02};
        boolean[] samples = mask(batch, 0);
        double[] rg = new double[batch];
        double[] rc = new double[batch];
        p.gpu.errorRatios((DeviceArray) y[0], (DeviceArray) yNew[0], h, e, p.gpuHandles(k), 7, c, samples, rg);
        p.cpu.errorRatios(y[1], yNew[1], h, e, p.cpuHandles(k), 7, c, samples, rc);
        assertArrayEquals(rc, rg, 1e-12 * Arrays.stream(rc).max().orElse(1));
        assertEquals(0.0, rg[0], "a sample that is not selected has ratio 0");
        p.gpu.scaledRms((DeviceArray) y[0], (DeviceArray) yNew[0], c, rg);
        p.cpu.scaledRms(y[1], yNew[1], c, rc);
        assertArrayEquals(rc, rg, 1e-12 * Arrays.stream(rc).max().orElse(1));
        boolean[] some = mask(batch, batch - 1);
        p.gpu.copySamples((DeviceArray) y[0], (DeviceArray) yNew[0], some);
        p.cpu.copySamples(y[1], yNew[1], some);
        p.assertSame(yNew, "copySamples");
        p.gpu.fill((DeviceArray) y[0], 0.25);
        p.cpu.fill(y[1], 0.25);
        p.assertSame(y, "fill");
        p.gpu.copy((DeviceArray) yNew[0], (DeviceArray) y[0]);
        p.cpu.copy(yNew[1], y[1]);
        p.assertSame(y, "copy");
    }

    @ParameterizedTest(name = "float32 states {0}, float32 output {1}")
    @CsvSource({"false, false", "true, true", "false, true", "true, false"})
    void pointsAreReadAndAddedInDl4jLayout(boolean single, boolean floatOut) {
        int batch = 3;
        Pair p = new Pair(batch, single);
        int[] rows = {4, 0, 44, 4, 9};
        int points = 3;
        Object[][] s = {p.state(), p.state(), p.state()};
        double[] outD = new double[batch * rows.length * points];
        float[] outF = new float[outD.length];
        double[] refD = new double[outD.length];
        float[] refF = new float[outD.length];
        // Point 1 of sample 1 is never written: only the written (point, sample) pairs come back.
        Arrays.fill(outD, -7);
        Arrays.fill(outF, -7);
        Arrays.fill(refD, -7);
        Arrays.fill(refF, -7);
        for (int point = 0; point < points; point++) {
            boolean[] samples = point == 1 ? mask(batch, 1) : null;
            if (floatOut) {
                p.gpu.readPoint((DeviceArray) s[point][0], rows, point, points, samples, outF);
                p.cpu.readPoint(s[point][1], rows, point, points, samples, refF);
            } else {
                p.gpu.readPoint((DeviceArray) s[point][0], rows, point, points, samples, outD);
                p.cpu.readPoint(s[point][1], rows, point, points, samples, refD);
            }
        }
        p.gpu.awaitReads();
        if (floatOut) {
            assertArrayEquals(refF, outF, single ? 0f : 1e-7f);
        } else {
            assertArrayEquals(refD, outD, single ? 1e-6 : 0);
        }
        double[] cot = p.random();
        cot = Arrays.copyOf(cot, batch * rows.length * points);
        Object[] target = p.state();
        for (int point = points - 1; point >= 0; point--) {
            p.gpu.addPoint(cot, rows, point, points, (DeviceArray) target[0]);
            p.cpu.addPoint(cot, rows, point, points, target[1]);
        }
        p.assertSame(target, "addPoint with a repeated row");
    }

    @Test
    void floatReadsComeBackInOneTransfer() {
        Pair p = new Pair(2, true);
        Object[] s = p.state();
        int[] all = new int[N];
        Arrays.setAll(all, i -> i);
        float[] out = new float[2 * N * 2];
        float[] ref = new float[out.length];
        p.gpu.readPoint((DeviceArray) s[0], all, 0, 2, null, out);
        p.gpu.readPoint((DeviceArray) s[0], all, 1, 2, null, out);
        assertEquals(0f, out[0], "nothing arrives before awaitReads");
        p.gpu.awaitReads();
        p.cpu.readPoint(s[1], all, 0, 2, null, ref);
        p.cpu.readPoint(s[1], all, 1, 2, null, ref);
        assertArrayEquals(ref, out);
    }

    @Test
    void wrongHandlesAndSizesAreRefusedWithTheirName() {
        Pair p = new Pair(3, false);
        CudaStates other = new CudaStates(new CudaStream(Emulator.device()), N, 3, true);
        DeviceArray mine = p.gpu.allocate();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.gpu.copy(other.allocate(), mine));
        assertTrue(e.getMessage().startsWith("src is DeviceArray[135 x 4 bytes]: expected a state batch of this "
                + "backend (45 x 3 float64 values)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> p.gpu.combine(mine, null, new double[][]{{1, 1}},
                new DeviceArray[]{mine}, 1, null, null));
        assertEquals("weights row 0 has 2 entries, expected one per sample (3)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> p.gpu.readPoint(mine, new int[]{45}, 0, 1, null,
                new double[3]));
        assertEquals("row 45 is out of range: expected 0..44", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> p.gpu.write(new double[5], mine));
        assertEquals("src has 5 entries, expected 135", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CudaStates(new CudaStream(Emulator.device()),
                1 << 20, 1 << 12, true));
        assertTrue(e.getMessage().contains("more than an array holds"), e.getMessage());
    }
}
