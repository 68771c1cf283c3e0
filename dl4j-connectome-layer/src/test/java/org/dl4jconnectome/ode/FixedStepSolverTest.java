package org.dl4jconnectome.ode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FixedStepSolverTest {
    private static final FixedStepSolver<double[]> DOPRI5 = new FixedStepSolver<>(RungeKuttaMethod.DOPRI5, 0);

    static List<RungeKuttaMethod> methods() {
        return RungeKuttaMethod.values();
    }

    /**
     * y' = λ ⊙ y + u[segment]: a decoupled linear field with a per-state rate and a piecewise-constant forcing.
     * The reverse pass accumulates the cotangents of λ and u.
     */
    static final class Linear implements DifferentiableVectorField<double[]> {
        final int batch;
        final double[] lambda;
        final double[][] forcing;
        final double[] lambdaBar;
        final double[][] forcingBar;
        int evaluations;

        Linear(int batch, double[] lambda, double[][] forcing) {
            this.batch = batch;
            this.lambda = lambda;
            this.forcing = forcing;
            this.lambdaBar = new double[lambda.length];
            this.forcingBar = new double[forcing.length][lambda.length];
        }

        @Override
        public void evaluate(int[] segment, double[] y, double[] out, double[] record) {
            evaluations++;
            for (int e = 0; e < y.length; e++) {
                out[e] = lambda[e] * y[e] + forcing[segment[e % batch]][e];
            }
        }

        @Override
        public void vjp(int[] segment, double[] y, double[] record, double[] outBar, double[] yBar) {
            for (int e = 0; e < y.length; e++) {
                yBar[e] = lambda[e] * outBar[e];
                lambdaBar[e] += outBar[e] * y[e];
                forcingBar[segment[e % batch]][e] += outBar[e];
            }
        }
    }

    /** One step of y' = λy multiplies y by R(λh), the method's stability polynomial, computed from its tableau. */
    private static double r(RungeKuttaMethod m, double z) {
        ButcherTableau t = m.tableau();
        int s = t.solutionStages();
        double[] g = new double[s];
        double y = 1;
        for (int i = 0; i < s; i++) {
            double acc = 1;
            for (int j = 0; j < i; j++) {
                acc += z * t.a(i, j) * g[j];
            }
            g[i] = acc;
            y += z * t.b(i) * g[i];
        }
        return y;
    }

    /** Dopri5's stability polynomial in closed form, and its derivative. */
    private static double dopri5R(double z) {
        return 1 + z + z * z / 2 + z * z * z / 6 + Math.pow(z, 4) / 24 + Math.pow(z, 5) / 120 + Math.pow(z, 6) / 600;
    }

    private static double dopri5RPrime(double z) {
        return 1 + z + z * z / 2 + z * z * z / 6 + Math.pow(z, 4) / 24 + Math.pow(z, 5) / 100;
    }

    @ParameterizedTest
    @MethodSource("methods")
    void oneStepMultipliesByTheStabilityPolynomial(RungeKuttaMethod m) {
        double[] lambda = {-3, 0.7, -0.5, 2, -10, 0};
        Linear f = new Linear(2, lambda, new double[1][6]);
        double[] y0 = {1, -2, 0.5, 3, 1, 4};
        int steps = 7;
        double t1 = 1.3;
        StepSchedule s = StepSchedule.fixed(0, t1, 2, steps, 1);
        double[][] out = new HostSolve(3, 2).forward(new FixedStepSolver<>(m, 0), f, s, y0, null, null);
        double h = t1 / steps;
        for (int e = 0; e < 6; e++) {
            double expected = y0[e] * Math.pow(r(m, lambda[e] * h), steps);
            assertEquals(expected, out[1][e], 1e-13 * Math.max(1, Math.abs(expected)), m + ": state " + e);
        }
        assertEquals(steps * 6, f.evaluations, "six field evaluations per step");
        assertArrayEquals(y0, out[0], 0, "point 0 is y0");
        if (m == RungeKuttaMethod.DOPRI5) {
            assertEquals(dopri5R(-0.7), r(m, -0.7), 1e-15, "the tableau's polynomial is Dopri5's known one");
        }
    }

    /** Max error at t1 of y' = λy, y(0) = 1, over a few rates, with n steps. */
    private static double errorWithSteps(RungeKuttaMethod m, int n, double[] lambda, double t1) {
        Linear f = new Linear(1, lambda, new double[1][lambda.length]);
        StepSchedule s = StepSchedule.fixed(0, t1, 2, n, 1);
        double[] y0 = new double[lambda.length];
        Arrays.fill(y0, 1);
        double[][] out = new HostSolve(lambda.length, 1).forward(new FixedStepSolver<>(m, 0), f, s, y0, null, null);
        double err = 0;
        for (int e = 0; e < lambda.length; e++) {
            err = Math.max(err, Math.abs(out[1][e] - Math.exp(lambda[e] * t1)));
        }
        return err;
    }

    @ParameterizedTest
    @MethodSource("methods")
    void convergesWithOrderFive(RungeKuttaMethod m) {
        // The slope of log(error) over log(steps) from 8 to 64 steps (Tsit5's small leading error term makes single
        // doublings noisy: 4.5 to 4.8 on this problem).
        double[] lambda = {-2, 1.5};
        double e8 = errorWithSteps(m, 8, lambda, 1);
        double e64 = errorWithSteps(m, 64, lambda, 1);
        double order = Math.log(e8 / e64) / Math.log(8);
        assertTrue(e64 > 1e-13, "errors must stay above rounding for the estimate to mean anything: " + e64);
        assertEquals(5, order, 0.5, m + ": observed order from 8 to 64 steps");
        assertTrue(errorWithSteps(m, 16, lambda, 1) < e8 / 20 && errorWithSteps(m, 32, lambda, 1) < e8 / 400,
                "every doubling gains at least a factor 20");
    }

    /** Exact solution of y' = λy + u_k on consecutive segments of equal length. */
    private static double exactForced(double lambda, double[] u, double y0, double t0, double t1, double t) {
        int k = u.length;
        double segLen = (t1 - t0) / k;
        double y = y0;
        double start = t0;
        for (int seg = 0; seg < k; seg++) {
            double end = Math.min(t, t0 + segLen * (seg + 1));
            double dt = end - start;
            double ss = -u[seg] / lambda;
            y = ss + (y - ss) * Math.exp(lambda * dt);
            start = end;
            if (end >= t) {
                break;
            }
        }
        return y;
    }

    @Test
    void piecewiseConstantForcingSeesTheRightSegmentInEveryStage() {
        // The segment edges 2/3 and 4/3 fall between grid points: a step straddling them would cost O(h) accuracy.
        int batch = 2;
        double[] lambda = {-1.5, -0.4, 0.3, -2.5};
        double[] u0 = {2, -1, 0.5, 4};
        double[] u1 = {-3, 2, 1, 0};
        double[] u2 = {1, 0.5, -2, -1};
        Linear f = new Linear(batch, lambda, new double[][] {u0, u1, u2});
        double[] y0 = {0.3, -0.2, 1, 0.7};
        StepSchedule s = StepSchedule.fixed(0, 2, 9, 8, 3);
        double[][] out = new HostSolve(2, batch).forward(DOPRI5, f, s, y0, null, null);
        double[] times = s.points();
        for (int j = 0; j < times.length; j++) {
            for (int e = 0; e < 4; e++) {
                double exact = exactForced(lambda[e], new double[] {u0[e], u1[e], u2[e]}, y0[e], 0, 2, times[j]);
                assertEquals(exact, out[j][e], 1e-9, "point " + j + " state " + e);
            }
        }
    }

    @Test
    void backwardOfLinearDecayIsThePowerOfTheStabilityPolynomial() {
        // L = Σ_j pointsBar[j] · y(t_j); y(t_j) = R(λh)^(j·n) y0, so dL/dy0 = Σ_j pointsBar[j] R^(j·n) and
        // dL/dλ = Σ_j pointsBar[j] y0 (j·n) R^(j·n - 1) R'(λh) h.
        double[] lambda = {-1.2, 0.8, -3.0};
        int n = 5;
        double t1 = 1.5;
        Linear f = new Linear(1, lambda, new double[1][3]);
        StepSchedule s = StepSchedule.fixed(0, t1, 4, n, 1);
        double h = t1 / (3 * n);
        double[] y0 = {0.9, -1.1, 2.0};
        HostSolve run = new HostSolve(3, 1);
        Tape<double[]> tape = new Tape<>();
        run.forward(DOPRI5, f, s, y0, null, tape);
        double[][] pointsBar = {{0.5, 0.1, -0.2}, {1, -1, 0.5}, null, {-0.7, 0.3, 2}};
        double[] y0Bar = run.backward(DOPRI5, f, s, null, tape, pointsBar);
        for (int e = 0; e < 3; e++) {
            double z = lambda[e] * h;
            double dy0 = 0;
            double dLambda = 0;
            double dy0Exact = 0;
            for (int j = 0; j < 4; j++) {
                if (pointsBar[j] != null) {
                    int m = j * n;
                    dy0 += pointsBar[j][e] * Math.pow(dopri5R(z), m);
                    dLambda += m == 0 ? 0 : pointsBar[j][e] * y0[e] * m * Math.pow(dopri5R(z), m - 1)
                            * dopri5RPrime(z) * h;
                    dy0Exact += pointsBar[j][e] * Math.exp(lambda[e] * j * t1 / 3);
                }
            }
            assertEquals(dy0, y0Bar[e], 1e-13 * Math.max(1, Math.abs(dy0)), "dL/dy0 of state " + e);
            assertEquals(dLambda, f.lambdaBar[e], 1e-12 * Math.max(1, Math.abs(dLambda)), "dL/dλ of state " + e);
            // The discrete adjoint approximates the exact ODE's sensitivity to the solver's accuracy.
            assertEquals(dy0Exact, y0Bar[e], 1e-5 * Math.max(1, Math.abs(dy0Exact)), "vs exp(λt) for state " + e);
        }
    }

    /**
     * A coupled nonlinear field per sample: y1' = sin(y2) − 0.3 y1 + u[seg], y2' = −y1·y2. It records cos(y2) and
     * uses the record (not y) in its reverse pass, so a misplaced record shows up in the gradient.
     */
    static final class Coupled implements DifferentiableVectorField<double[]> {
        final int batch;
        final double[] u;
        final double[] uBar;

        Coupled(int batch, double[] u) {
            this.batch = batch;
            this.u = u;
            this.uBar = new double[u.length];
        }

        @Override
        public void evaluate(int[] segment, double[] y, double[] out, double[] record) {
            for (int b = 0; b < batch; b++) {
                double y1 = y[b];
                double y2 = y[batch + b];
                out[b] = Math.sin(y2) - 0.3 * y1 + u[segment[b]];
                out[batch + b] = -y1 * y2;
                if (record != null) {
                    record[b] = Math.cos(y2);
                }
            }
        }

        @Override
        public void vjp(int[] segment, double[] y, double[] record, double[] outBar, double[] yBar) {
            for (int b = 0; b < batch; b++) {
                double y1 = y[b];
                double y2 = y[batch + b];
                double g1 = outBar[b];
                double g2 = outBar[batch + b];
                yBar[b] = -0.3 * g1 - y2 * g2;
                yBar[batch + b] = record[b] * g1 - y1 * g2;
                uBar[segment[b]] += g1;
            }
        }
    }

    private static double loss(RungeKuttaMethod m, Coupled f, StepSchedule s, double[] y0, double[][] pointsBar,
                               double[] endTimes) {
        double[][] out = new HostSolve(2, f.batch).forward(new FixedStepSolver<>(m, 0), f, s, y0, endTimes, null);
        double l = 0;
        for (int j = 0; j < out.length; j++) {
            if (pointsBar[j] != null) {
                for (int e = 0; e < y0.length; e++) {
                    l += pointsBar[j][e] * out[j][e];
                }
            }
        }
        return l;
    }

    private static double[][] randomPointsBar(Random rnd, int points, int len, int... which) {
        double[][] pointsBar = new double[points][];
        for (int j : which) {
            pointsBar[j] = new double[len];
            for (int e = 0; e < len; e++) {
                pointsBar[j][e] = rnd.nextDouble() * 2 - 1;
            }
        }
        return pointsBar;
    }

    @ParameterizedTest
    @MethodSource("methods")
    void backwardOfANonlinearFieldMatchesFiniteDifferences(RungeKuttaMethod m) {
        int batch = 3;
        Random rnd = new Random(4);
        double[] u = {0.4, -0.8, 1.1};
        StepSchedule s = StepSchedule.fixed(0, 1.2, 4, 3, 3);
        double[] y0 = new double[2 * batch];
        for (int e = 0; e < y0.length; e++) {
            y0[e] = rnd.nextDouble() * 2 - 1;
        }
        double[][] pointsBar = randomPointsBar(rnd, 4, y0.length, 0, 2, 3);
        Coupled f = new Coupled(batch, u);
        FixedStepSolver<double[]> solver = new FixedStepSolver<>(m, 0);
        HostSolve run = new HostSolve(2, batch);
        Tape<double[]> tape = new Tape<>();
        run.forward(solver, f, s, y0, null, tape);
        double[] y0Bar = run.backward(solver, f, s, null, tape, pointsBar);

        double eps = 1e-6;
        for (int e = 0; e < 2 * batch; e++) {
            double[] plus = y0.clone();
            double[] minus = y0.clone();
            plus[e] += eps;
            minus[e] -= eps;
            double fd = (loss(m, f, s, plus, pointsBar, null) - loss(m, f, s, minus, pointsBar, null)) / (2 * eps);
            assertEquals(fd, y0Bar[e], 1e-7 * Math.max(1, Math.abs(fd)), m + ": dL/dy0[" + e + "]");
        }
        for (int k = 0; k < u.length; k++) {
            double keep = u[k];
            u[k] = keep + eps;
            double lp = loss(m, f, s, y0, pointsBar, null);
            u[k] = keep - eps;
            double lm = loss(m, f, s, y0, pointsBar, null);
            u[k] = keep;
            double fd = (lp - lm) / (2 * eps);
            assertEquals(fd, f.uBar[k], 1e-7 * Math.max(1, Math.abs(fd)), m + ": dL/du[" + k + "]");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 100})
    void checkpointingGivesTheSameGradientsBitForBit(int every) {
        int batch = 2;
        Random rnd = new Random(9);
        StepSchedule s = StepSchedule.fixed(0, 2, 5, 3, 4);
        double[] y0 = new double[2 * batch];
        for (int e = 0; e < y0.length; e++) {
            y0[e] = rnd.nextDouble() * 2 - 1;
        }
        double[][] pointsBar = randomPointsBar(rnd, 5, y0.length, 1, 3, 4);
        Coupled all = new Coupled(batch, new double[] {0.3, -0.6, 0.9, 0.1});
        HostSolve run = new HostSolve(2, batch);
        Tape<double[]> tape = new Tape<>();
        run.forward(DOPRI5, all, s, y0, null, tape);
        double[] expected = run.backward(DOPRI5, all, s, null, tape, pointsBar);

        Coupled kept = new Coupled(batch, new double[] {0.3, -0.6, 0.9, 0.1});
        FixedStepSolver<double[]> checkpointed = new FixedStepSolver<>(RungeKuttaMethod.DOPRI5, every);
        Tape<double[]> small = new Tape<>();
        double[][] out = run.forward(checkpointed, kept, s, y0, null, small);
        double[] got = run.backward(checkpointed, kept, s, null, small, pointsBar);
        assertArrayEquals(expected, got, 0.0, "dL/dy0");
        assertArrayEquals(all.uBar, kept.uBar, 0.0, "dL/du");
        assertArrayEquals(run.forward(DOPRI5, all, s, y0, null, null)[4], out[4], 0.0, "the forward pass");
        int steps = s.numSteps();
        long expectedHandles = every >= steps ? 1 + 12L * Math.min(every, steps) : (steps + every - 1) / every
                + 12L * every;
        assertEquals(expectedHandles, small.handles(), "checkpoints plus the stages of one block");
        assertEquals(12L * steps, tape.handles(), "every step's six stage inputs and records");
    }

    @Test
    void samplesEndingEarlyEqualTheSameSamplesRunAlone() {
        // Sample 1 ends after two of four bins (t = 1 of [0, 2]); alone, on [0, 1] with its two bins, it takes the
        // same steps, so its points up to t = 1 and its gradient must agree.
        int batch = 2;
        Random rnd = new Random(5);
        double[] u = {0.5, -0.4, 0.8, 1.2};
        StepSchedule s = StepSchedule.fixed(0, 2, 5, 2, 4);
        double[] y0 = new double[2 * batch];
        for (int e = 0; e < y0.length; e++) {
            y0[e] = rnd.nextDouble() * 2 - 1;
        }
        double[] endTimes = {2, 1};
        Coupled both = new Coupled(batch, u);
        HostSolve run = new HostSolve(2, batch);
        Tape<double[]> tape = new Tape<>();
        double[][] out = run.forward(DOPRI5, both, s, y0, endTimes, tape);
        double[][] pointsBar = randomPointsBar(rnd, 5, y0.length, 0, 1, 2);

        double[] y1 = {y0[1], y0[3]};
        Coupled alone = new Coupled(1, new double[] {u[0], u[1]});
        StepSchedule shorter = StepSchedule.fixed(0, 1, 3, 2, 2);
        HostSolve single = new HostSolve(2, 1);
        Tape<double[]> t1 = new Tape<>();
        double[][] ref = single.forward(DOPRI5, alone, shorter, y1, null, t1);
        for (int j = 0; j < 3; j++) {
            for (int i = 0; i < 2; i++) {
                assertEquals(ref[j][i], out[j][i * batch + 1], 1e-12, "point " + j + " state " + i);
            }
        }
        for (int j = 3; j < 5; j++) {
            for (int i = 0; i < 2; i++) {
                assertEquals(out[2][i * batch + 1], out[j][i * batch + 1], 0.0, "held after its end");
            }
        }
        // Only sample 1's cotangents, at its valid points: its gradient equals the lone run's.
        double[][] bar1 = new double[5][];
        double[][] refBar = new double[3][];
        for (int j = 0; j < 3; j++) {
            bar1[j] = new double[y0.length];
            refBar[j] = new double[2];
            for (int i = 0; i < 2; i++) {
                bar1[j][i * batch + 1] = pointsBar[j][i * batch + 1];
                refBar[j][i] = pointsBar[j][i * batch + 1];
            }
        }
        double[] got = run.backward(DOPRI5, both, s, endTimes, tape, bar1);
        double[] expected = single.backward(DOPRI5, alone, shorter, null, t1, refBar);
        for (int i = 0; i < 2; i++) {
            assertEquals(expected[i], got[i * batch + 1], 1e-12, "dL/dy0 of state " + i);
            assertEquals(0.0, got[i * batch], 0.0, "sample 0 has no cotangent");
        }
        assertEquals(alone.uBar[0], both.uBar[0], 1e-12);
        assertEquals(alone.uBar[1], both.uBar[1], 1e-12);
        assertEquals(0.0, both.uBar[2], 0.0, "the padding bins get no gradient");
        assertEquals(0.0, both.uBar[3], 0.0);
    }

    @Test
    void aNonFiniteStateStopsTheSolveNamingSampleAndStep() {
        // y' = y² blows up at t = 1/y0: sample 1 (y0 = 2) at t = 0.5, sample 0 (y0 = 0.1) never within [0, 1].
        VectorField<double[]> blowUp = (segment, y, out, record) -> {
            for (int e = 0; e < y.length; e++) {
                out[e] = y[e] * y[e];
            }
        };
        StepSchedule s = StepSchedule.fixed(0, 1, 11, 1, 1);
        NonFiniteStateException e = assertThrows(NonFiniteStateException.class,
                () -> new HostSolve(1, 2).forward(DOPRI5, blowUp, s, new double[] {0.1, 2}, null, null));
        assertEquals(1, e.sample());
        assertTrue(e.from() >= 0.4 && e.from() < 1, e.getMessage());
        assertTrue(e.getMessage().contains("sample 1 became non-finite in the step from t = "), e.getMessage());
    }

    @Test
    void float32StatesFollowFloat64ToSinglePrecision() {
        int batch = 2;
        double[] u = {0.4, -0.8, 1.1};
        StepSchedule s = StepSchedule.fixed(0, 1.2, 4, 3, 3);
        double[] y0 = {0.2, -0.4, 0.6, 0.3};
        HostSolve run = new HostSolve(2, batch);
        double[][] ref = run.forward(DOPRI5, new Coupled(batch, u), s, y0, null, null);
        FloatCoupled f = new FloatCoupled(batch, u);
        float[][] out = new float[s.numPoints()][];
        float[] y0f = new float[y0.length];
        for (int e = 0; e < y0.length; e++) {
            y0f[e] = (float) y0[e];
        }
        new FixedStepSolver<float[]>(RungeKuttaMethod.DOPRI5, 0).forward(f, run.float32(), s, null, y0f,
                (p, state, samples) -> out[p] = state.clone(), null, null);
        for (int j = 0; j < out.length; j++) {
            for (int e = 0; e < 2 * batch; e++) {
                assertEquals(ref[j][e], out[j][e], 2e-6, "point " + j + " state " + e);
            }
        }
    }

    /** {@link Coupled} on float32 states (forward only). */
    private static final class FloatCoupled implements VectorField<float[]> {
        final int batch;
        final double[] u;

        FloatCoupled(int batch, double[] u) {
            this.batch = batch;
            this.u = u;
        }

        @Override
        public void evaluate(int[] segment, float[] y, float[] out, float[] record) {
            for (int b = 0; b < batch; b++) {
                double y1 = y[b];
                double y2 = y[batch + b];
                out[b] = (float) (Math.sin(y2) - 0.3 * y1 + u[segment[b]]);
                out[batch + b] = (float) (-y1 * y2);
            }
        }
    }

    @Test
    void aTapeIsOnlyUsableForItsOwnForwardPass() {
        Linear f = new Linear(2, new double[] {1, 1, 1, 1}, new double[1][4]);
        StepSchedule s = StepSchedule.fixed(0, 1, 3, 2, 1);
        HostSolve run = new HostSolve(2, 2);
        double[][] bar = new double[3][];
        assertThrows(IllegalStateException.class, () -> run.backward(DOPRI5, f, s, null, new Tape<>(), bar));
        Tape<double[]> tape = new Tape<>();
        run.forward(DOPRI5, f, s, new double[4], null, tape);
        StepSchedule longer = StepSchedule.fixed(0, 1, 3, 5, 1);
        assertThrows(IllegalStateException.class, () -> run.backward(DOPRI5, f, longer, null, tape, bar));
        assertThrows(IllegalStateException.class, () -> new HostSolve(2, 2).backward(DOPRI5, f, s, null, tape,
                bar), "another backend");
        assertThrows(IllegalArgumentException.class, () -> run.forward(DOPRI5, f, s, new double[4],
                new double[3], null), "one end time per sample");
        assertThrows(IllegalArgumentException.class, () -> new FixedStepSolver<>(RungeKuttaMethod.DOPRI5, -1));
        assertThrows(IllegalArgumentException.class, () -> FixedStepSolver.of(SolverSpec.adaptive()));
        assertThrows(NullPointerException.class, () -> new FixedStepSolver<>(null, 0));
    }
}
