package org.dl4jconnectome.ode;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdaptiveRungeKuttaTest {

    /** y' = λ_b y per sample b (one state), or NaN once t passes a threshold. */
    private static final class Decay implements VectorField {
        final double[] lambda;

        Decay(double... lambda) {
            this.lambda = lambda;
        }

        @Override
        public int size() {
            return 1;
        }

        @Override
        public int batch() {
            return lambda.length;
        }

        @Override
        public void evaluate(int[] segment, double[] y, double[] out, double[] record) {
            for (int b = 0; b < lambda.length; b++) {
                out[b] = lambda[b] * y[b];
            }
        }
    }

    @Test
    void samplesAdaptTheirOwnStepSizes() {
        Decay f = new Decay(-0.5, -20.0);
        double[] points = StepSchedule.evaluationPoints(0, 2, 5);
        double[][] out = new double[5][2];
        AdaptiveRungeKutta rk = new AdaptiveRungeKutta(RungeKuttaMethod.DOPRI5, new IntegralController(1e-10, 1e-10),
                10_000);
        SolverStats stats = rk.solve(f, 0, 2, points, 1, new double[] {1, 1}, out, null);
        for (int p = 0; p < 5; p++) {
            assertEquals(Math.exp(-0.5 * points[p]), out[p][0], 1e-8);
            assertEquals(Math.exp(-20.0 * points[p]), out[p][1], 1e-8);
        }
        assertTrue(stats.acceptedSteps(1) > 2 * stats.acceptedSteps(0), stats.toString());
    }

    @Test
    void nonFiniteStateNamesSampleAndTime() {
        VectorField blowUp = new VectorField() {
            @Override
            public int size() {
                return 1;
            }

            @Override
            public int batch() {
                return 2;
            }

            @Override
            public void evaluate(int[] segment, double[] y, double[] out, double[] record) {
                out[0] = -y[0];
                out[1] = y[1] > 3 ? Double.NaN : y[1];
            }
        };
        AdaptiveRungeKutta rk = new AdaptiveRungeKutta(RungeKuttaMethod.DOPRI5, new IntegralController(1e-6, 1e-3),
                1000);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> rk.solve(blowUp, 0, 5,
                new double[] {0, 5}, 1, new double[] {1, 1}, new double[2][2], null));
        assertTrue(e.getMessage().contains("sample 1") && e.getMessage().contains("non-finite")
                && e.getMessage().contains("t = 1."), e.getMessage());
    }
}
