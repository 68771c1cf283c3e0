package org.dl4jconnectome.kernels;

import org.dl4jconnectome.connectome.Nonlinearity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both activation implementations agree with the scalar definitions in {@link Nonlinearity}. */
class ActivationKernelsTest {
    private static final double[] Z = new double[203];

    static {
        for (int i = 0; i < Z.length; i++) {
            // From −40 to 40, plus extremes where exponentials overflow, away from the kink at 0.
            Z[i] = i == 0 ? -800 : i == 1 ? 800 : -40 + 80.0 * i / Z.length + 1e-3;
        }
    }

    private static final ActivationKernels[] IMPLEMENTATIONS = {SparseKernels.best().activations(),
        SparseKernels.scalar().activations()};

    @Test
    void theSparseKernelsComeWithActivationsOfTheirKind() {
        // The suite also runs without the Vector API module: then the best kernels are the scalar ones.
        boolean vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertEquals(vector ? "VectorActivations" : "ScalarActivations",
                SparseKernels.best().activations().getClass().getSimpleName());
        assertEquals(ScalarActivations.INSTANCE, SparseKernels.scalar().activations());
    }

    @ParameterizedTest
    @EnumSource(Nonlinearity.class)
    void matchScalarDefinitions(Nonlinearity phi) {
        for (ActivationKernels k : IMPLEMENTATIONS) {
            double[] out = new double[Z.length + 4];
            double[] value = new double[Z.length + 4];
            double[] slope = new double[Z.length + 4];
            double[] z = new double[Z.length + 4];
            System.arraycopy(Z, 0, z, 2, Z.length);
            // An offset range with a ragged tail exercises the scalar remainder.
            k.rectified(phi, z, out, 2, 2 + Z.length);
            k.rectifiedWithSlope(phi, z, value, slope, 2, 2 + Z.length);
            for (int i = 0; i < Z.length; i++) {
                double zi = Z[i];
                double expected = phi.rectified(zi);
                double expectedSlope = phi.rectifiedDerivative(zi);
                String where = k + " " + phi + " at " + zi;
                assertEquals(expected, out[i + 2], 1e-13 * Math.max(1, Math.abs(expected)), where);
                assertEquals(expected, value[i + 2], 1e-13 * Math.max(1, Math.abs(expected)), where);
                assertEquals(expectedSlope, slope[i + 2], 1e-13 * Math.max(1, Math.abs(expectedSlope)), where);
            }
            assertEquals(0.0, out[0]);
            assertEquals(0.0, out[Z.length + 3]);
        }
    }

    @ParameterizedTest
    @EnumSource(Nonlinearity.class)
    void float32MatchesTheScalarDefinitionsToSinglePrecision(Nonlinearity phi) {
        for (ActivationKernels k : IMPLEMENTATIONS) {
            float[] z = new float[Z.length + 4];
            for (int i = 0; i < Z.length; i++) {
                z[i + 2] = (float) Z[i];
            }
            float[] out = new float[z.length];
            float[] value = new float[z.length];
            float[] slope = new float[z.length];
            k.rectified(phi, z, out, 2, 2 + Z.length);
            k.rectifiedWithSlope(phi, z, value, slope, 2, 2 + Z.length);
            for (int i = 0; i < Z.length; i++) {
                double zi = z[i + 2];
                double expected = phi.rectified(zi);
                double expectedSlope = phi.rectifiedDerivative(zi);
                String where = k + " " + phi + " at " + zi;
                assertEquals(expected, out[i + 2], 1e-6 * Math.max(1, Math.abs(expected)), where);
                assertEquals(expected, value[i + 2], 1e-6 * Math.max(1, Math.abs(expected)), where);
                assertEquals(expectedSlope, slope[i + 2], 1e-6 * Math.max(1, Math.abs(expectedSlope)), where);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Nonlinearity.class)
    void nanPropagatesInValueAndSlope(Nonlinearity phi) {
        for (ActivationKernels k : IMPLEMENTATIONS) {
            // A whole vector's worth of lanes, then a ragged tail, so that both the SIMD and the scalar paths see it.
            int len = 37;
            double[] z = new double[len];
            float[] zf = new float[len];
            java.util.Arrays.fill(z, Double.NaN);
            java.util.Arrays.fill(zf, Float.NaN);
            double[] v = new double[len];
            double[] s = new double[len];
            float[] vf = new float[len];
            float[] sf = new float[len];
            k.rectifiedWithSlope(phi, z, v, s, 0, len);
            k.rectifiedWithSlope(phi, zf, vf, sf, 0, len);
            double[] plain = new double[len];
            k.rectified(phi, z, plain, 0, len);
            for (int i = 0; i < len; i++) {
                String where = k + " " + phi + " element " + i;
                assertTrue(Double.isNaN(v[i]) && Double.isNaN(s[i]) && Double.isNaN(plain[i]), where + ": float64");
                assertTrue(Float.isNaN(vf[i]) && Float.isNaN(sf[i]), where + ": float32");
            }
        }
    }
}
