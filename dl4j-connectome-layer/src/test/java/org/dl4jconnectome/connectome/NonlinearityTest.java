package org.dl4jconnectome.connectome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NonlinearityTest {
    /** Sample points away from the kinks at 0 (ReLU, and the rectification of tanh, identity, ELU, SiLU). */
    private static final double[] Z = {-6.3, -3.7, -1.2, -0.4, -0.05, 0.05, 0.3, 0.9, 2.5, 7.1};

    /** Textbook closed forms, written independently of the implementation. */
    private static double reference(Nonlinearity f, double z) {
        switch (f) {
            case SIGMOID:
                return 1 / (1 + Math.exp(-z));
            case TANH:
                return Math.sinh(z) / Math.cosh(z);
            case RELU:
                return Math.max(0, z);
            case SOFTPLUS:
                return Math.log(1 + Math.exp(z));
            case IDENTITY:
                return z;
            case ELU:
                return z > 0 ? z : Math.exp(z) - 1;
            case SILU:
                return z / (1 + Math.exp(-z));
            default:
                throw new AssertionError(f);
        }
    }

    private static double centralDifference(java.util.function.DoubleUnaryOperator f, double z) {
        double h = 1e-5;
        return (f.applyAsDouble(z + h) - f.applyAsDouble(z - h)) / (2 * h);
    }

    @ParameterizedTest
    @EnumSource(Nonlinearity.class)
    void applyMatchesClosedForm(Nonlinearity f) {
        for (double z : Z) {
            assertEquals(reference(f, z), f.apply(z), 1e-13 * Math.max(1, Math.abs(z)), f + " at " + z);
        }
    }

    @ParameterizedTest
    @EnumSource(Nonlinearity.class)
    void derivativeMatchesFiniteDifferences(Nonlinearity f) {
        for (double z : Z) {
            assertEquals(centralDifference(f::apply, z), f.derivative(z), 1e-7, f + "' at " + z);
        }
    }

    @ParameterizedTest
    @EnumSource(Nonlinearity.class)
    void derivativeFromValueMatchesDerivative(Nonlinearity f) {
        for (double z : Z) {
            assertEquals(f.derivative(z), f.derivative(z, f.apply(z)), 1e-12, f + " at " + z);
        }
    }

    @ParameterizedTest
    @EnumSource(Nonlinearity.class)
    void rectifiedIsReluOfPhi(Nonlinearity f) {
        for (double z : Z) {
            assertEquals(Math.max(0, reference(f, z)), f.rectified(z), 1e-13 * Math.max(1, Math.abs(z)),
                    f + " at " + z);
            assertTrue(f.rectified(z) >= 0);
        }
    }

    @ParameterizedTest
    @EnumSource(Nonlinearity.class)
    void rectifiedDerivativeMatchesFiniteDifferences(Nonlinearity f) {
        for (double z : Z) {
            assertEquals(centralDifference(f::rectified, z), f.rectifiedDerivative(z), 1e-7, f + " at " + z);
        }
    }

    @Test
    void rectificationCutsNegativeOutputsOnly() {
        assertEquals(0.0, Nonlinearity.TANH.rectified(-2));
        assertEquals(0.0, Nonlinearity.TANH.rectifiedDerivative(-2));
        assertEquals(0.0, Nonlinearity.IDENTITY.rectified(-1));
        assertEquals(0.0, Nonlinearity.ELU.rectifiedDerivative(-0.5));
        assertEquals(Nonlinearity.SIGMOID.apply(-3), Nonlinearity.SIGMOID.rectified(-3), "no-op after sigmoid");
        assertEquals(Nonlinearity.SOFTPLUS.derivative(-3), Nonlinearity.SOFTPLUS.rectifiedDerivative(-3));
    }

    @ParameterizedTest
    @EnumSource(Nonlinearity.class)
    void finiteForLargeArguments(Nonlinearity f) {
        for (double z : new double[] {-800, 800}) {
            assertTrue(Double.isFinite(f.apply(z)) || f == Nonlinearity.IDENTITY, f + " at " + z);
            assertTrue(Double.isFinite(f.derivative(z)), f + "' at " + z);
            assertTrue(Double.isFinite(f.rectifiedDerivative(z)), f + " rectified' at " + z);
        }
        assertEquals(1.0, Nonlinearity.SIGMOID.apply(800));
        assertEquals(0.0, Nonlinearity.SIGMOID.apply(-800));
        assertEquals(800.0, Nonlinearity.SOFTPLUS.apply(800));
        assertEquals(0.0, Nonlinearity.SOFTPLUS.apply(-800), 1e-300);
        assertEquals(0.0, Nonlinearity.SILU.apply(-800), 1e-300);
    }

    @ParameterizedTest
    @CsvSource({"Sigmoid, SIGMOID", "Tanh, TANH", "ReLU, RELU", "Softplus, SOFTPLUS", "Identity, IDENTITY",
        "ELU, ELU", "SiLU, SILU", "linear, IDENTITY", "None, IDENTITY", "swish, SILU", "' relu ', RELU",
        "SIGMOID, SIGMOID"})
    void parsesPyTorchAndAliasNames(String name, Nonlinearity expected) {
        assertEquals(expected, Nonlinearity.parse(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gelu", "LeakyReLU", "", "sig"})
    void parseRejectsUnknownNamesListingKnownOnes(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Nonlinearity.parse(name));
        assertTrue(e.getMessage().contains("'" + name + "'") && e.getMessage().contains("sigmoid"), e.getMessage());
    }

    @Test
    void parseRejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> Nonlinearity.parse(null));
    }
}
