package org.dl4jconnectome.ode;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnrolledRungeKuttaTest {
    private static final UnrolledRungeKutta DOPRI5 = new UnrolledRungeKutta(RungeKuttaMethod.DOPRI5.tableau());

    /**
     * y' = λ ⊙ y + u[segment]: a decoupled linear field with a per-state rate and a piecewise-constant forcing.
     * The reverse pass accumulates the cotangents of λ and u.
     */
    private static final class Linear implements DifferentiableVectorField {
        final int size;
        final int batch;
        final double[] lambda;
        final double[][] forcing;
        final double[] lambdaBar;
        final double[][] forcingBar;
        int evaluations;

        Linear(int size, int batch, double[] lambda, double[][] forcing) {
            this.size = size;
            this.batch = batch;
            this.lambda = lambda;
            this.forcing = forcing;
            this.lambdaBar = new double[lambda.length];
            this.forcingBar = new double[forcing.length][lambda.length];
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public int batch() {
            return batch;
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

    /** Dopri5's stability polynomial: one step of y' = λy multiplies y by R(λh). */
    private static double r(double z) {
        return 1 + z + z * z / 2 + z * z * z / 6 + Math.pow(z, 4) / 24 + Math.pow(z, 5) / 120 + Math.pow(z, 6) / 600;
    }

    private static double rPrime(double z) {
        return 1 + z + z * z / 2 + z * z * z / 6 + Math.pow(z, 4) / 24 + Math.pow(z, 5) / 100;
    }

    private static double[][] points(StepSchedule s, int len) {
        return new double[s.numPoints()][len];
    }

    @Test
    void oneStepMultipliesByTheStabilityPolynomial() {
        double[] lambda = {-3, 0.7, -0.5, 2, -10, 0};
        Linear f = new Linear(3, 2, lambda, new double[1][6]);
        double[] y0 = {1, -2, 0.5, 3, 1, 4};
        int steps = 7;
        double t1 = 1.3;
        StepSchedule s = StepSchedule.fixed(0, t1, 2, steps, 1);
        double[][] out = points(s, 6);
        DOPRI5.forward(f, s, y0, out, null);
        double h = t1 / steps;
        for (int e = 0; e < 6; e++) {
            double expected = y0[e] * Math.pow(r(lambda[e] * h), steps);
            assertEquals(expected, out[1][e], 1e-13 * Math.max(1, Math.abs(expected)), "state " + e);
        }
        assertEquals(6, DOPRI5.stagesPerStep());
        assertEquals(steps * 6, f.evaluations, "six field evaluations per step");
        assertArrayEquals(y0, out[0], 0, "pointsOut[0] is y0");
        assertArrayEquals(new double[] {1, -2, 0.5, 3, 1, 4}, y0, 0, "y0 is not modified");
    }

    /** Max error at t1 of y' = λy, y(0) = 1, over a few rates, with n steps. */
    private static double errorWithSteps(int n, double[] lambda, double t1) {
        Linear f = new Linear(lambda.length, 1, lambda, new double[1][lambda.length]);
        StepSchedule s = StepSchedule.fixed(0, t1, 2, n, 1);
        double[] y0 = new double[lambda.length];
        java.util.Arrays.fill(y0, 1);
        double[][] out = points(s, lambda.length);
        DOPRI5.forward(f, s, y0, out, null);
        double err = 0;
        for (int e = 0; e < lambda.length; e++) {
            err = Math.max(err, Math.abs(out[1][e] - Math.exp(lambda[e] * t1)));
        }
        return err;
    }

    @Test
    void convergesWithOrderFive() {
        double[] lambda = {-2, 1.5};
        double e8 = errorWithSteps(8, lambda, 1);
        double e16 = errorWithSteps(16, lambda, 1);
        double e32 = errorWithSteps(32, lambda, 1);
        double order1 = Math.log(e8 / e16) / Math.log(2);
        double order2 = Math.log(e16 / e32) / Math.log(2);
        assertTrue(e32 > 1e-13, "errors must stay above rounding for the estimate to mean anything: " + e32);
        assertEquals(5, order1, 0.3, "observed order from 8 to 16 steps");
        assertEquals(5, order2, 0.3, "observed order from 16 to 32 steps");
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
        Linear f = new Linear(2, batch, lambda, new double[][] {u0, u1, u2});
        double[] y0 = {0.3, -0.2, 1, 0.7};
        StepSchedule s = StepSchedule.fixed(0, 2, 9, 8, 3);
        double[][] out = points(s, 4);
        DOPRI5.forward(f, s, y0, out, null);
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
        Linear f = new Linear(3, 1, lambda, new double[1][3]);
        StepSchedule s = StepSchedule.fixed(0, t1, 4, n, 1);
        double h = t1 / (3 * n);
        double[] y0 = {0.9, -1.1, 2.0};
        UnrolledRungeKutta.Tape tape = new UnrolledRungeKutta.Tape();
        double[][] out = points(s, 3);
        DOPRI5.forward(f, s, y0, out, tape);
        double[][] pointsBar = {{0.5, 0.1, -0.2}, {1, -1, 0.5}, null, {-0.7, 0.3, 2}};
        double[] y0Bar = new double[3];
        java.util.Arrays.fill(y0Bar, Double.NaN); // overwritten
        DOPRI5.backward(f, s, tape, pointsBar, y0Bar);
        for (int e = 0; e < 3; e++) {
            double z = lambda[e] * h;
            double dy0 = 0;
            double dLambda = 0;
            double dy0Exact = 0;
            for (int j = 0; j < 4; j++) {
                if (pointsBar[j] != null) {
                    int m = j * n;
                    dy0 += pointsBar[j][e] * Math.pow(r(z), m);
                    dLambda += m == 0 ? 0 : pointsBar[j][e] * y0[e] * m * Math.pow(r(z), m - 1) * rPrime(z) * h;
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
    private static final class Coupled implements DifferentiableVectorField {
        final int batch;
        final double[] u;
        final double[] uBar;

        Coupled(int batch, double[] u) {
            this.batch = batch;
            this.u = u;
            this.uBar = new double[u.length];
        }

        @Override
        public int size() {
            return 2;
        }

        @Override
        public int batch() {
            return batch;
        }

        @Override
        public int recordLength() {
            return batch;
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

    private static double loss(Coupled f, StepSchedule s, double[] y0, double[][] pointsBar) {
        double[][] out = points(s, y0.length);
        DOPRI5.forward(f, s, y0, out, null);
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

    @Test
    void backwardOfANonlinearFieldMatchesFiniteDifferences() {
        int batch = 3;
        Random rnd = new Random(4);
        double[] u = {0.4, -0.8, 1.1};
        StepSchedule s = StepSchedule.fixed(0, 1.2, 4, 3, 3);
        double[] y0 = new double[2 * batch];
        for (int e = 0; e < y0.length; e++) {
            y0[e] = rnd.nextDouble() * 2 - 1;
        }
        double[][] pointsBar = new double[4][];
        for (int j : new int[] {0, 2, 3}) {
            pointsBar[j] = new double[2 * batch];
            for (int e = 0; e < 2 * batch; e++) {
                pointsBar[j][e] = rnd.nextDouble() * 2 - 1;
            }
        }
        Coupled f = new Coupled(batch, u);
        UnrolledRungeKutta.Tape tape = new UnrolledRungeKutta.Tape();
        DOPRI5.forward(f, s, y0, points(s, y0.length), tape);
        double[] y0Bar = new double[y0.length];
        DOPRI5.backward(f, s, tape, pointsBar, y0Bar);

        double eps = 1e-6;
        for (int e = 0; e < y0.length; e++) {
            double[] plus = y0.clone();
            double[] minus = y0.clone();
            plus[e] += eps;
            minus[e] -= eps;
            double fd = (loss(f, s, plus, pointsBar) - loss(f, s, minus, pointsBar)) / (2 * eps);
            assertEquals(fd, y0Bar[e], 1e-7 * Math.max(1, Math.abs(fd)), "dL/dy0[" + e + "]");
        }
        for (int k = 0; k < u.length; k++) {
            double keep = u[k];
            u[k] = keep + eps;
            double lp = loss(f, s, y0, pointsBar);
            u[k] = keep - eps;
            double lm = loss(f, s, y0, pointsBar);
            u[k] = keep;
            double fd = (lp - lm) / (2 * eps);
            assertEquals(fd, f.uBar[k], 1e-7 * Math.max(1, Math.abs(fd)), "dL/du[" + k + "]");
        }
    }

    @Test
    void aReusedTapeGivesTheSameGradients() {
        double[] u = {0.2, -0.5};
        StepSchedule longer = StepSchedule.fixed(0, 2, 5, 6, 2);
        StepSchedule shorter = StepSchedule.fixed(0, 1, 3, 2, 2);
        double[] y0 = {0.5, -0.3, 0.8, 0.1};
        double[][] bar = {null, {1, 0.5, -0.5, 2}, {0.3, -1, 1, 0.2}};

        Coupled fresh = new Coupled(2, u);
        UnrolledRungeKutta.Tape freshTape = new UnrolledRungeKutta.Tape();
        DOPRI5.forward(fresh, shorter, y0, points(shorter, 4), freshTape);
        double[] expected = new double[4];
        DOPRI5.backward(fresh, shorter, freshTape, bar, expected);

        Coupled reused = new Coupled(2, u);
        UnrolledRungeKutta.Tape tape = new UnrolledRungeKutta.Tape();
        DOPRI5.forward(reused, longer, new double[] {1, 1, 1, 1}, points(longer, 4), tape);
        DOPRI5.forward(reused, shorter, y0, points(shorter, 4), tape);
        java.util.Arrays.fill(reused.uBar, 0);
        double[] got = new double[4];
        DOPRI5.backward(reused, shorter, tape, bar, got);
        assertArrayEquals(expected, got, 0);
        assertArrayEquals(fresh.uBar, reused.uBar, 0);
        assertTrue(tape.bytes() > 0);
    }

    @Test
    void invalidArgumentsAreRejected() {
        Linear f = new Linear(2, 2, new double[] {1, 1, 1, 1}, new double[1][4]);
        StepSchedule s = StepSchedule.fixed(0, 1, 3, 2, 1);
        assertThrows(IllegalArgumentException.class, () -> DOPRI5.forward(f, s, new double[3], points(s, 4), null));
        assertThrows(IllegalArgumentException.class, () -> DOPRI5.forward(f, s, new double[4], new double[2][4], null));
        assertThrows(NullPointerException.class, () -> new UnrolledRungeKutta(null));
        double[][] bar = new double[3][];
        assertThrows(IllegalStateException.class, () -> DOPRI5.backward(f, s, null, bar, new double[4]));
        assertThrows(IllegalStateException.class,
                () -> DOPRI5.backward(f, s, new UnrolledRungeKutta.Tape(), bar, new double[4]));
        UnrolledRungeKutta.Tape tape = new UnrolledRungeKutta.Tape();
        DOPRI5.forward(f, s, new double[4], points(s, 4), tape);
        assertThrows(IllegalArgumentException.class, () -> DOPRI5.backward(f, s, tape, bar, new double[3]));
        Linear other = new Linear(3, 2, new double[6], new double[1][6]);
        assertThrows(IllegalStateException.class, () -> DOPRI5.backward(other, s, tape, bar, new double[6]));
        StepSchedule longer = StepSchedule.fixed(0, 1, 3, 5, 1);
        assertThrows(IllegalStateException.class, () -> DOPRI5.backward(f, longer, tape, bar, new double[4]));
    }
}
