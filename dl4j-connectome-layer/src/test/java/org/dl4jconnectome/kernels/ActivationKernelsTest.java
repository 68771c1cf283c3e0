package org.dl4jconnectome.kernels;

import org.dl4jconnectome.connectome.Nonlinearity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Both activation implementations agree with the scalar definitions in {@link Nonlinearity}. */
class ActivationKernelsTest {
    private static final double[] Z = new double[203];

    static {
        for (int i = 0; i < Z.length; i++) {
            // From −40 to 40, plus extremes where exponentials overflow, away from the kink at 0.
            Z[i] = i == 0 ? -800 : i == 1 ? 800 : -40 + 80.0 * i / Z.length + 1e-3;
        }
    }

    @Test
    void bestIsTheVectorImplementationInThisJvm() {
        assertEquals(VectorActivations.INSTANCE, ActivationKernels.best());
    }

    @ParameterizedTest
    @EnumSource(Nonlinearity.class)
    void matchScalarDefinitions(Nonlinearity phi) {
        for (ActivationKernels k : new ActivationKernels[] {ActivationKernels.best(), ActivationKernels.scalar()}) {
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
}
