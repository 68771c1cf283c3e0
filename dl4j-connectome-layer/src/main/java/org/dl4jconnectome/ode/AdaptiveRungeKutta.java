package org.dl4jconnectome.ode;

import org.dl4jconnectome.kernels.Parallel;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.DoubleConsumer;

/**
 * An adaptive embedded Runge–Kutta solver for a batch, in the manner of torchode: every sample has its own step size
 * and acceptance, all samples share the vector-field evaluations. Hairer's initial step, the
 * {@link IntegralController}, FSAL reuse of the last stage and the 4th-order dense output at the evaluation points.
 * <p>
 * Unlike torchode, steps end exactly on the edges of the piecewise-constant input (breakpoints), so a jump of the
 * input never lies inside a step: the error estimate stays meaningful and no step is wasted on a discontinuity.
 * A breakpoint starts a new initial-value problem: the first stage is evaluated afresh with the new input and the
 * step size is chosen anew by Hairer's rule, so the first step after a jump is not sized by the dynamics before it.
 */
public final class AdaptiveRungeKutta {
    private final RungeKuttaMethod method;
    private final ButcherTableau tableau;
    private final IntegralController controller;
    private final int maxSteps;
    private final boolean breakpoints;

    /** A solver whose steps end on the input's breakpoints (see the class documentation). */
    public AdaptiveRungeKutta(RungeKuttaMethod method, IntegralController controller, int maxSteps) {
        this(method, controller, maxSteps, true);
    }

    /**
     * @param method      an FSAL method (e.g. {@link RungeKuttaMethod#DOPRI5})
     * @param controller the step-size controller
     * @param maxSteps    budget of steps (accepted and rejected) per sample
     * @param breakpoints end steps on the input's bin edges and restart there (true), or let steps straddle the
     *                    edges with each stage seeing the input at its own time, as torchode does (false)
     */
    public AdaptiveRungeKutta(RungeKuttaMethod method, IntegralController controller, int maxSteps,
                              boolean breakpoints) {
        this.method = Objects.requireNonNull(method, "method");
        this.tableau = method.tableau();
        this.controller = Objects.requireNonNull(controller, "controller");
        if (!tableau.isFsal()) {
            throw new IllegalArgumentException(tableau.name() + ": the adaptive solver needs an FSAL method");
        }
        if (maxSteps < 1) {
            throw new IllegalArgumentException("maxSteps = " + maxSteps + ": expected at least 1");
        }
        this.maxSteps = maxSteps;
        this.breakpoints = breakpoints;
    }

    /**
     * Solves from y0 at t0 to t1.
     *
     * @param points      evaluation times, ascending within [t0, t1], the first equal to t0 (its state is y0 exactly)
     * @param numSegments input bins on [t0, t1] (1 for a constant input)
     * @param pointsOut   receives the state at every evaluation point (length size·batch each)
     * @param progress    receives the fraction of [t0, t1] done by the slowest sample after each step, or null
     * @return per-sample statistics
     * @throws IllegalStateException if a state becomes non-finite (naming the time and sample) or a sample exceeds the
     *                               step budget
     */
    public SolverStats solve(VectorField f, double t0, double t1, double[] points, int numSegments, double[] y0,
                             double[][] pointsOut, DoubleConsumer progress) {
        StepSchedule.checkTimes(t0, t1);
        int n = f.size();
        int batch = f.batch();
        int len = n * batch;
        if (y0.length != len || pointsOut.length != points.length || points.length == 0 || points[0] != t0) {
            throw new IllegalArgumentException("y0 must have " + len + " entries, pointsOut one array per point, and "
                    + "the first point must be t0 = " + t0);
        }
        for (int p = 1; p < points.length; p++) {
            if (!(points[p] >= points[p - 1]) || points[p] > t1) {
                throw new IllegalArgumentException("evaluation points must ascend within [t0, t1]: points[" + p
                        + "] = " + points[p]);
            }
        }
        if (numSegments < 1) {
            throw new IllegalArgumentException("numSegments = " + numSegments + ": expected at least 1");
        }
        Run run = new Run(f, t0, t1, numSegments);
        run.start(y0, points, pointsOut);
        while (run.anyRunning()) {
            run.restartAtBreakpoints();
            run.step(points, pointsOut);
            if (progress != null) {
                progress.accept(run.slowestFraction());
            }
        }
        return new SolverStats(run.accepted, run.rejected, run.evals, run.calls);
    }

    /** The state of one solve. */
    private final class Run {
        final VectorField f;
        final double t0;
        final double t1;
        final double span;
        final double eps;
        final int segments;
        final int n;
        final int batch;
        final int len;
        final int stages;
        final double[] y;
        final double[][] k;
        final double[] yi;
        final double[] yNew;
        final double[] t;
        final double[] dt;
        final double[] h;
        final int[] seg;
        final int[] stageSeg;
        final int[] nextPoint;
        final boolean[] running;
        final boolean[] fresh;
        final boolean[] landsOnEdge;
        final int[] accepted;
        final int[] rejected;
        final int[] evals;
        int calls;

        Run(VectorField f, double t0, double t1, int segments) {
            this.f = f;
            this.t0 = t0;
            this.t1 = t1;
            this.span = t1 - t0;
            this.eps = 1e-12 * span;
            this.segments = segments;
            this.n = f.size();
            this.batch = f.batch();
            this.len = n * batch;
            this.stages = tableau.stages();
            y = new double[len];
            k = new double[stages][len];
            yi = new double[len];
            yNew = new double[len];
            t = new double[batch];
            dt = new double[batch];
            h = new double[batch];
            seg = new int[batch];
            stageSeg = new int[batch];
            nextPoint = new int[batch];
            running = new boolean[batch];
            fresh = new boolean[batch];
            landsOnEdge = new boolean[batch];
            accepted = new int[batch];
            rejected = new int[batch];
            evals = new int[batch];
        }

        void start(double[] y0, double[] points, double[][] pointsOut) {
            System.arraycopy(y0, 0, y, 0, len);
            Arrays.fill(t, t0);
            Arrays.fill(running, true);
            Arrays.fill(nextPoint, 1);
            for (int p = 0; p < points.length && points[p] <= t0; p++) {
                System.arraycopy(y0, 0, pointsOut[p], 0, len);
                Arrays.fill(nextPoint, p + 1);
            }
            Arrays.fill(fresh, true);
            initialStep(k[0], dt);
        }

        boolean anyRunning() {
            for (boolean r : running) {
                if (r) {
                    return true;
                }
            }
            return false;
        }

        double slowestFraction() {
            double slowest = t1;
            for (int b = 0; b < batch; b++) {
                slowest = Math.min(slowest, t[b]);
            }
            return (slowest - t0) / span;
        }

        /** End of sample b's current input segment: a breakpoint, or t1. */
        double edge(int b) {
            return !breakpoints || seg[b] == segments - 1 ? t1 : t0 + span * (seg[b] + 1) / segments;
        }

        /** The input segment of time s (trunc, the last one closed at t1). */
        int segmentAt(double s) {
            return Math.max(0, Math.min(segments - 1, (int) ((s - t0) / span * segments)));
        }

        /** Samples that start a new input segment solve a new initial-value problem: fresh first stage and step. */
        void restartAtBreakpoints() {
            boolean any = false;
            for (int b = 0; b < batch; b++) {
                any |= running[b] && fresh[b];
            }
            if (!any) {
                return;
            }
            boolean[] restarting = fresh.clone();
            double[] k0 = new double[len];
            double[] restartDt = new double[batch];
            initialStep(k0, restartDt);
            for (int b = 0; b < batch; b++) {
                if (running[b] && restarting[b]) {
                    copyColumn(k0, k[0], b, batch, n);
                    dt[b] = restartDt[b];
                }
            }
        }

        /** Hairer's initial step for the samples marked fresh (torchode's variant, tolerances on the norms). */
        void initialStep(double[] k0, double[] dtOut) {
            evaluate(seg, y, k0, fresh);
            double[] d0 = new double[batch];
            double[] d1 = new double[batch];
            for (int i = 0; i < n; i++) {
                for (int b = 0; b < batch; b++) {
                    int e = i * batch + b;
                    double s = controller.scale(y[e]);
                    d0[b] += sq(y[e] / s);
                    d1[b] += sq(k0[e] / s);
                }
            }
            double[] dt0 = new double[batch];
            for (int b = 0; b < batch; b++) {
                d0[b] = Math.sqrt(d0[b] / n);
                d1[b] = Math.sqrt(d1[b] / n);
                dt0[b] = d0[b] < 1e-5 || d1[b] < 1e-5 ? 1e-6 : 0.01 * d0[b] / d1[b];
                dt0[b] = Math.min(dt0[b], t1 - t[b]);
                stageSeg[b] = breakpoints ? seg[b] : segmentAt(t[b] + dt0[b]);
            }
            for (int i = 0; i < n; i++) {
                for (int b = 0; b < batch; b++) {
                    int e = i * batch + b;
                    yi[e] = y[e] + dt0[b] * k0[e];
                }
            }
            evaluate(stageSeg, yi, yNew, fresh);
            double[] d2 = new double[batch];
            for (int i = 0; i < n; i++) {
                for (int b = 0; b < batch; b++) {
                    int e = i * batch + b;
                    d2[b] += sq((yNew[e] - k0[e]) / controller.scale(y[e]));
                }
            }
            for (int b = 0; b < batch; b++) {
                double d2b = dt0[b] == 0 ? Double.POSITIVE_INFINITY : Math.sqrt(d2[b] / n) / dt0[b];
                double m = Math.max(d1[b], d2b);
                double dt1 = m <= 1e-15 ? Math.max(1e-6, dt0[b] * 1e-3) : Math.pow(0.01 / m, 1.0 / tableau.order());
                dtOut[b] = Math.min(100 * dt0[b], dt1);
                fresh[b] = false;
            }
        }

        /** One vector-field call on the whole batch, counted for the samples in {@code counted}. */
        void evaluate(int[] segment, double[] state, double[] out, boolean[] counted) {
            f.evaluate(segment, state, out, null);
            calls++;
            for (int b = 0; b < batch; b++) {
                if (counted[b]) {
                    evals[b]++;
                }
            }
        }

        /** One attempted step of every running sample. */
        void step(double[] points, double[][] pointsOut) {
            for (int b = 0; b < batch; b++) {
                landsOnEdge[b] = false;
                if (!running[b]) {
                    h[b] = 0;
                    continue;
                }
                double edge = edge(b);
                h[b] = dt[b];
                if (t[b] + h[b] >= edge - eps) {
                    h[b] = edge - t[b];
                    landsOnEdge[b] = true;
                }
            }
            for (int i = 1; i < stages; i++) {
                combine(y, h, i, k, yi, batch);
                for (int b = 0; b < batch; b++) {
                    stageSeg[b] = breakpoints ? seg[b] : segmentAt(t[b] + tableau.c(i) * h[b]);
                }
                evaluate(stageSeg, yi, k[i], running);
            }
            // The last stage of an FSAL tableau is evaluated at the new solution: yi holds it.
            System.arraycopy(yi, 0, yNew, 0, len);
            double[] ratio = errorRatios(y, yNew, k, h, batch, n);
            for (int b = 0; b < batch; b++) {
                if (running[b]) {
                    finishStep(b, ratio[b], points, pointsOut);
                }
            }
        }

        private void finishStep(int b, double ratio, double[] points, double[][] pointsOut) {
            if (!Double.isFinite(ratio)) {
                throw new IllegalStateException("the solution of sample " + b + " became non-finite in the step "
                        + "from t = " + t[b] + " to t = " + (t[b] + h[b]));
            }
            double next = controller.nextStep(h[b], ratio, tableau.order());
            if (ratio < 1.0) {
                accepted[b]++;
                writePoints(points, nextPoint, b, t[b], h[b], y, yNew, k, pointsOut, batch, n, eps);
                double end = landsOnEdge[b] ? edge(b) : t[b] + h[b];
                if (!breakpoints && segmentAt(end) != seg[b]) {
                    // Without breakpoints the last stage saw the new input already, as in torchode.
                    seg[b] = segmentAt(end);
                }
                t[b] = end;
                copyColumn(yNew, y, b, batch, n);
                copyColumn(k[stages - 1], k[0], b, batch, n);
                if (breakpoints && landsOnEdge[b] && seg[b] < segments - 1) {
                    seg[b]++;
                    fresh[b] = true;
                }
                running[b] = t[b] < t1 - eps;
            } else {
                rejected[b]++;
            }
            dt[b] = next;
            if (running[b] && accepted[b] + rejected[b] >= maxSteps) {
                throw new IllegalStateException("sample " + b + " exceeded the step budget of " + maxSteps
                        + " steps at t = " + t[b] + " (of [" + t0 + ", " + t1 + "]); loosen the tolerances or "
                        + "raise the budget");
            }
        }
    }

    private static double sq(double v) {
        return v * v;
    }

    /** yi = y + h_b Σ_{j<i} a_ij k_j, with each sample's own step. */
    private void combine(double[] y, double[] h, int i, double[][] k, double[] yi, int batch) {
        Parallel.forRange(y.length / batch, (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                for (int b = 0; b < batch; b++) {
                    int e = r * batch + b;
                    double acc = 0;
                    for (int j = 0; j < i; j++) {
                        acc += tableau.a(i, j) * k[j][e];
                    }
                    yi[e] = y[e] + h[b] * acc;
                }
            }
        });
    }

    /** Per sample: RMS over states of the scaled error estimate h Σ (b_i − bLow_i) k_i. */
    private double[] errorRatios(double[] y, double[] yNew, double[][] k, double[] h, int batch, int n) {
        double[] sum = new double[batch];
        int stages = tableau.stages();
        for (int r = 0; r < n; r++) {
            for (int b = 0; b < batch; b++) {
                int e = r * batch + b;
                double err = 0;
                for (int i = 0; i < stages; i++) {
                    err += tableau.errorWeight(i) * k[i][e];
                }
                err *= h[b];
                sum[b] += sq(err / controller.scale(y[e], yNew[e]));
            }
        }
        double[] ratio = new double[batch];
        for (int b = 0; b < batch; b++) {
            ratio[b] = controller.ratio(sum[b], n);
        }
        return ratio;
    }

    /** Dense output of sample b at the evaluation points inside the accepted step (t, t + h]. */
    private void writePoints(double[] points, int[] nextPoint, int b, double t, double h, double[] y0, double[] y1,
                             double[][] k, double[][] out, int batch, int n, double eps) {
        int stages = tableau.stages();
        while (nextPoint[b] < points.length && points[nextPoint[b]] <= t + h + eps) {
            int p = nextPoint[b]++;
            double x = Math.min(1.0, (points[p] - t) / h);
            double[] w = new double[stages];
            method.denseWeights(x, w);
            for (int r = 0; r < n; r++) {
                int e = r * batch + b;
                if (x >= 1.0) {
                    out[p][e] = y1[e];
                    continue;
                }
                double acc = 0;
                for (int i = 0; i < stages; i++) {
                    acc += w[i] * k[i][e];
                }
                out[p][e] = y0[e] + h * acc;
            }
        }
    }

    private static void copyColumn(double[] src, double[] dst, int b, int batch, int n) {
        for (int r = 0; r < n; r++) {
            dst[r * batch + b] = src[r * batch + b];
        }
    }
}
