package org.dl4jconnectome.ode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdaptiveSolverTest {

    static List<RungeKuttaMethod> methods() {
        return RungeKuttaMethod.values();
    }

    /** y' = λ_b y per sample b (one state). */
    private static VectorField<double[]> decay(double... lambda) {
        return (segment, y, out, record) -> {
            for (int b = 0; b < lambda.length; b++) {
                out[b] = lambda[b] * y[b];
            }
        };
    }

    private static AdaptiveSolver<double[]> solver(RungeKuttaMethod m, double atol, double rtol, int maxSteps) {
        return new AdaptiveSolver<>(m, new IntegralController(atol, rtol), maxSteps, true);
    }

    @ParameterizedTest
    @MethodSource("methods")
    void samplesAdaptTheirOwnStepSizes(RungeKuttaMethod m) {
        double[] points = StepSchedule.evaluationPoints(0, 2, 5);
        SolverStats[] stats = new SolverStats[1];
        double[][] out = new HostSolve(1, 2).adaptive(solver(m, 1e-10, 1e-10, 10_000), decay(-0.5, -20.0), 0, 2,
                points, 1, null, new double[] {1, 1}, stats);
        for (int p = 0; p < 5; p++) {
            assertEquals(Math.exp(-0.5 * points[p]), out[p][0], 1e-8, m + ": point " + p);
            assertEquals(Math.exp(-20.0 * points[p]), out[p][1], 1e-8, m + ": point " + p);
        }
        assertTrue(stats[0].acceptedSteps(1) > 2 * stats[0].acceptedSteps(0), stats[0].toString());
    }

    @ParameterizedTest
    @MethodSource("methods")
    void denseOutputBetweenStepsIsAccurate(RungeKuttaMethod m) {
        // Many points inside few large steps: the interpolant carries the accuracy, not the steps.
        double[] points = StepSchedule.evaluationPoints(0, 3, 61);
        SolverStats[] stats = new SolverStats[1];
        double[][] out = new HostSolve(1, 1).adaptive(solver(m, 1e-9, 1e-9, 10_000), decay(-0.7), 0, 3, points, 1,
                null, new double[] {1}, stats);
        assertTrue(stats[0].acceptedSteps(0) < 40, "fewer steps than points: " + stats[0]);
        for (int p = 0; p < points.length; p++) {
            assertEquals(Math.exp(-0.7 * points[p]), out[p][0], 2e-7, m + ": point " + p);
        }
    }

    @Test
    void samplesWithEarlierEndTimesStopThereAndHoldTheirState() {
        double[] points = StepSchedule.evaluationPoints(0, 2, 5);
        double[][] out = new HostSolve(1, 2).adaptive(solver(RungeKuttaMethod.DOPRI5, 1e-10, 1e-10, 10_000),
                decay(-0.5, -1.0), 0, 2, points, 4, new double[] {2, 1}, new double[] {1, 1}, null);
        for (int p = 0; p < 5; p++) {
            assertEquals(Math.exp(-0.5 * points[p]), out[p][0], 1e-8);
            assertEquals(Math.exp(-1.0 * Math.min(points[p], 1)), out[p][1], 1e-8, "point " + p);
        }
    }

    @Test
    void nonFiniteStateNamesSampleAndTime() {
        VectorField<double[]> blowUp = (segment, y, out, record) -> {
            out[0] = -y[0];
            out[1] = y[1] > 3 ? Double.NaN : y[1];
        };
        NonFiniteStateException e = assertThrows(NonFiniteStateException.class, () -> new HostSolve(1, 2).adaptive(
                solver(RungeKuttaMethod.DOPRI5, 1e-6, 1e-3, 1000), blowUp, 0, 5, new double[] {0, 5}, 1, null,
                new double[] {1, 1}, null));
        assertEquals(1, e.sample());
        assertTrue(e.getMessage().contains("sample 1") && e.getMessage().contains("non-finite")
                && e.getMessage().contains("t = 1."), e.getMessage());
    }

    @Test
    void theStepBudgetIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new HostSolve(1, 1).adaptive(
                solver(RungeKuttaMethod.TSIT5, 1e-12, 1e-12, 5), decay(-3), 0, 5, new double[] {0, 5}, 1, null,
                new double[] {1}, null));
        assertTrue(e.getMessage().contains("exceeded the step budget of 5"), e.getMessage());
    }

    @Test
    void badArgumentsAreRejected() {
        HostSolve run = new HostSolve(1, 1);
        AdaptiveSolver<double[]> s = solver(RungeKuttaMethod.DOPRI5, 1e-6, 1e-3, 10);
        assertThrows(IllegalArgumentException.class, () -> run.adaptive(s, decay(-1), 0, 1, new double[] {0.5, 1}, 1,
                null, new double[] {1}, null), "the first point must be t0");
        assertThrows(IllegalArgumentException.class, () -> run.adaptive(s, decay(-1), 0, 1, new double[] {0, 2}, 1,
                null, new double[] {1}, null), "points within [t0, t1]");
        assertThrows(IllegalArgumentException.class, () -> run.adaptive(s, decay(-1), 0, 1, new double[] {0, 1}, 1,
                new double[] {3}, new double[] {1}, null), "end times within (t0, t1]");
        assertThrows(IllegalArgumentException.class, () -> run.adaptive(s, decay(-1), -1e308, 1e308,
                new double[] {-1e308, 1e308}, 1, null, new double[] {1}, null), "an overflowing span");
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveSolver<double[]>(RungeKuttaMethod.DOPRI5,
                new IntegralController(1e-6, 1e-3), 0, true));
    }
}
