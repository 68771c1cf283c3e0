package org.dl4jconnectome.ode;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.DoubleConsumer;

/**
 * An adaptive embedded Runge–Kutta solver for a batch, in the manner of torchode: every sample has its own step size
 * and acceptance, all samples share the vector-field evaluations, FSAL reuse of the last stage, the method's own
 * dense output at the evaluation points. Every decision about step sizes (acceptance, growth limits, the initial
 * step, stopping at the input's jumps) is the {@link IntegralController}'s; this class only runs the stages. Written
 * once against {@link StateBackend}.
 * <p>
 * Unlike torchode, steps end exactly on the edges of the piecewise-constant input (breakpoints, on by default), so a
 * jump of the input never lies inside a step: the error estimate stays meaningful and no step is wasted on a
 * discontinuity. A breakpoint starts a new initial-value problem: the first stage is evaluated afresh with the new
 * input and the step size is chosen anew, so the first step after a jump is not sized by the dynamics before it.
 * <p>
 * Per-sample end times let samples of a batch end early; the evaluation points after a sample's end receive its
 * final state. Not thread-safe: one instance per solve context.
 *
 * @param <V> the backend's state handle
 */
public final class AdaptiveSolver<V> {
    private final RungeKuttaMethod method;
    private final ButcherTableau tableau;
    private final IntegralController controller;
    private final int maxSteps;
    private final boolean breakpoints;

    /**
     * @param method      an FSAL method with an error estimate (e.g. {@link RungeKuttaMethod#DOPRI5})
     * @param controller  the step-size controller
     * @param maxSteps    budget of steps (accepted and rejected) per sample
     * @param breakpoints end steps on the input's bin edges and restart there (true), or let steps straddle the
     *                    edges with each stage seeing the input at its own time, as torchode does (false)
     */
    public AdaptiveSolver(RungeKuttaMethod method, IntegralController controller, int maxSteps, boolean breakpoints) {
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

    /** The solver of an adaptive specification. */
    public static <V> AdaptiveSolver<V> of(SolverSpec spec) {
        return new AdaptiveSolver<>(spec.method(), spec.controller(), spec.maxSteps(), spec.breakpoints());
    }

    /**
     * Solves from y0 at t0 to t1 (or each sample's own end time).
     *
     * @param points      evaluation times, ascending within [t0, t1], the first equal to t0 (its state is y0 exactly)
     * @param numSegments input bins on [t0, t1] (1 for a constant input)
     * @param endTimes    per-sample end times within (t0, t1], or null: every sample runs to t1
     * @param progress    receives the fraction of [t0, t1] done by the slowest sample after each step, or null
     * @return per-sample statistics
     * @throws NonFiniteStateException if a state becomes non-finite
     * @throws IllegalStateException   if a sample exceeds the step budget
     */
    public SolverStats solve(VectorField<V> f, StateBackend<V> ops, double t0, double t1, double[] points,
                             int numSegments, double[] endTimes, V y0, PointSink<V> sink, DoubleConsumer progress) {
        StepSchedule.checkTimes(t0, t1);
        if (points.length == 0 || points[0] != t0) {
            throw new IllegalArgumentException("the first evaluation point must be t0 = " + t0);
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
        if (endTimes != null && endTimes.length != ops.batch()) {
            throw new IllegalArgumentException("endTimes has " + endTimes.length + " entries, expected one per sample ("
                    + ops.batch() + ")");
        }
        Run run = new Run(f, ops, t0, t1, numSegments, endTimes, points, sink);
        run.start(y0);
        while (run.anyRunning()) {
            run.restartAtBreakpoints();
            run.step();
            if (progress != null) {
                progress.accept(run.slowestFraction());
            }
        }
        run.finish();
        return new SolverStats(run.accepted, run.rejected, run.evals, run.calls);
    }

    /** The state of one solve. */
    private final class Run {
        final VectorField<V> f;
        final StateBackend<V> ops;
        final IntegralController ctl;
        final double t0;
        final double t1;
        final double span;
        final double eps;
        final int segments;
        final int batch;
        final int stages;
        final double[] points;
        final PointSink<V> sink;
        final double[] end;
        final V y;
        final V[] k;
        final V yi;
        final V yNew;
        final V tmp;
        final double[] t;
        final double[] dt;
        final double[] h;
        final int[] seg;
        final int[] stageSeg;
        final int[] nextPoint;
        final boolean[] running;
        final boolean[] fresh;
        final boolean[] landsOnStop;
        final boolean[] accept;
        final double[] ratio;
        final double[][] w;
        final double[] errorWeights;
        final int[] accepted;
        final int[] rejected;
        final int[] evals;
        int calls;

        Run(VectorField<V> f, StateBackend<V> ops, double t0, double t1, int segments, double[] endTimes,
            double[] points, PointSink<V> sink) {
            this.f = f;
            this.ops = ops;
            this.t0 = t0;
            this.t1 = t1;
            this.span = t1 - t0;
            this.eps = 1e-12 * span;
            this.segments = segments;
            this.batch = ops.batch();
            this.stages = tableau.stages();
            this.points = points;
            this.sink = sink;
            double[] edges = new double[breakpoints ? segments - 1 : 0];
            for (int e = 0; e < edges.length; e++) {
                edges[e] = t0 + span * (e + 1) / segments;
            }
            this.ctl = controller.withJumpTimes(edges);
            this.end = new double[batch];
            for (int b = 0; b < batch; b++) {
                end[b] = endTimes == null ? t1 : endTimes[b];
                if (!(end[b] > t0 && end[b] <= t1)) {
                    throw new IllegalArgumentException("endTimes[" + b + "] = " + end[b] + ": expected a time in (" + t0
                            + ", " + t1 + "]");
                }
            }
            y = ops.allocate();
            k = ops.handleArray(stages);
            for (int i = 0; i < stages; i++) {
                k[i] = ops.allocate();
            }
            yi = ops.allocate();
            yNew = ops.allocate();
            tmp = ops.allocate();
            t = new double[batch];
            dt = new double[batch];
            h = new double[batch];
            seg = new int[batch];
            stageSeg = new int[batch];
            nextPoint = new int[batch];
            running = new boolean[batch];
            fresh = new boolean[batch];
            landsOnStop = new boolean[batch];
            accept = new boolean[batch];
            ratio = new double[batch];
            w = new double[stages][batch];
            errorWeights = new double[stages];
            for (int i = 0; i < stages; i++) {
                errorWeights[i] = tableau.errorWeight(i);
            }
            accepted = new int[batch];
            rejected = new int[batch];
            evals = new int[batch];
        }

        void start(V y0) {
            ops.copy(y0, y);
            Arrays.fill(t, t0);
            Arrays.fill(running, true);
            int first = 0;
            while (first < points.length && points[first] <= t0) {
                sink.accept(first++, y, null);
            }
            Arrays.fill(nextPoint, first);
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
                slowest = Math.min(slowest, running[b] ? t[b] : t1);
            }
            return (slowest - t0) / span;
        }

        /** Where sample b's current step must stop: the next jump (with breakpoints) or its end. */
        double stop(int b) {
            return ctl.nextStop(t[b], end[b], eps);
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
            double[] restartDt = new double[batch];
            initialStep(tmp, restartDt);
            for (int b = 0; b < batch; b++) {
                restarting[b] &= running[b];
                if (restarting[b]) {
                    dt[b] = restartDt[b];
                }
            }
            ops.copySamples(tmp, k[0], restarting);
        }

        /** The controller's initial step for the samples marked fresh; the derivative at y goes into k0. */
        void initialStep(V k0, double[] dtOut) {
            evaluate(seg, y, k0, fresh);
            double[] d0 = new double[batch];
            double[] d1 = new double[batch];
            ops.scaledRms(y, y, ctl, d0);
            ops.scaledRms(k0, y, ctl, d1);
            double[] dt0 = new double[batch];
            for (int b = 0; b < batch; b++) {
                dt0[b] = ctl.initialProbe(d0[b], d1[b], end[b] - t[b]);
                stageSeg[b] = breakpoints ? seg[b] : segmentAt(t[b] + dt0[b]);
                w[0][b] = dt0[b];
            }
            ops.combine(yi, y, w, one(k0), 1, null, null);
            evaluate(stageSeg, yi, yNew, fresh);
            Arrays.fill(w[0], -1.0);
            ops.combine(yNew, yNew, w, one(k0), 1, null, null);
            double[] d2 = new double[batch];
            ops.scaledRms(yNew, y, ctl, d2);
            for (int b = 0; b < batch; b++) {
                double d2b = dt0[b] == 0 ? Double.POSITIVE_INFINITY : d2[b] / dt0[b];
                dtOut[b] = ctl.initialStep(dt0[b], d1[b], d2b, method.order());
                fresh[b] = false;
            }
        }

        V[] one(V v) {
            V[] a = ops.handleArray(1);
            a[0] = v;
            return a;
        }

        /** One vector-field call on the whole batch, counted for the samples in {@code counted}. */
        void evaluate(int[] segment, V state, V out, boolean[] counted) {
            f.evaluate(segment, state, out, null);
            calls++;
            for (int b = 0; b < batch; b++) {
                if (counted[b]) {
                    evals[b]++;
                }
            }
        }

        /** One attempted step of every running sample. */
        void step() {
            for (int b = 0; b < batch; b++) {
                landsOnStop[b] = false;
                if (!running[b]) {
                    h[b] = 0;
                    continue;
                }
                double stop = stop(b);
                h[b] = ctl.clip(t[b], dt[b], stop, eps);
                landsOnStop[b] = h[b] != dt[b];
            }
            for (int i = 1; i < stages; i++) {
                for (int j = 0; j < i; j++) {
                    for (int b = 0; b < batch; b++) {
                        w[j][b] = h[b] * tableau.a(i, j);
                    }
                }
                ops.combine(yi, y, w, k, i, null, null);
                for (int b = 0; b < batch; b++) {
                    stageSeg[b] = breakpoints ? seg[b] : segmentAt(t[b] + tableau.c(i) * h[b]);
                }
                evaluate(stageSeg, yi, k[i], running);
            }
            // The last stage of an FSAL method is evaluated at the new solution: yi holds it.
            ops.copy(yi, yNew);
            ops.errorRatios(y, yNew, h, errorWeights, k, stages, ctl, running, ratio);
            for (int b = 0; b < batch; b++) {
                accept[b] = false;
                if (!running[b]) {
                    continue;
                }
                if (!Double.isFinite(ratio[b])) {
                    throw new NonFiniteStateException(b, t[b], t[b] + h[b]);
                }
                accept[b] = ctl.accept(ratio[b]);
            }
            writePoints();
            ops.copySamples(yNew, y, accept);
            ops.copySamples(k[stages - 1], k[0], accept);
            for (int b = 0; b < batch; b++) {
                if (running[b]) {
                    finishStep(b);
                }
            }
        }

        private void finishStep(int b) {
            double next = ctl.nextStep(h[b], ratio[b], method.order());
            if (accept[b]) {
                accepted[b]++;
                double stop = stop(b);
                double stepEnd = landsOnStop[b] ? stop : t[b] + h[b];
                if (!breakpoints && segmentAt(stepEnd) != seg[b]) {
                    // Without breakpoints the last stage saw the new input already, as in torchode.
                    seg[b] = segmentAt(stepEnd);
                }
                t[b] = stepEnd;
                if (breakpoints && landsOnStop[b] && stop < end[b] && seg[b] < segments - 1) {
                    seg[b]++;
                    fresh[b] = true;
                }
                running[b] = t[b] < end[b] - eps;
            } else {
                rejected[b]++;
            }
            dt[b] = next;
            if (running[b] && accepted[b] + rejected[b] >= maxSteps) {
                throw new IllegalStateException("sample " + b + " exceeded the step budget of " + maxSteps
                        + " steps at t = " + t[b] + " (of [" + t0 + ", " + end[b] + "]); loosen the tolerances or "
                        + "raise the budget");
            }
        }

        /** Dense output of the accepted samples at the evaluation points inside their step (t, t + h]. */
        private void writePoints() {
            double[] wi = new double[stages];
            boolean[] reaching = new boolean[batch];
            while (true) {
                // The earliest point any accepted sample reaches in this step, then every sample that reaches it.
                int p = Integer.MAX_VALUE;
                for (int b = 0; b < batch; b++) {
                    if (accept[b] && nextPoint[b] < points.length && points[nextPoint[b]] <= t[b] + h[b] + eps) {
                        p = Math.min(p, nextPoint[b]);
                    }
                }
                if (p == Integer.MAX_VALUE) {
                    return;
                }
                for (int b = 0; b < batch; b++) {
                    reaching[b] = accept[b] && nextPoint[b] == p && points[p] <= t[b] + h[b] + eps;
                    if (reaching[b]) {
                        double theta = (points[p] - t[b]) / h[b];
                        // At the step's end the interpolant is the solution itself: use its exact weights.
                        for (int i = 0; i < stages; i++) {
                            wi[i] = tableau.b(i);
                        }
                        if (theta < 1.0) {
                            method.denseWeights(theta, wi);
                        }
                        for (int i = 0; i < stages; i++) {
                            w[i][b] = h[b] * wi[i];
                        }
                        nextPoint[b]++;
                    }
                }
                ops.combine(tmp, y, w, k, stages, reaching, null);
                sink.accept(p, tmp, reaching);
            }
        }

        /** Evaluation points after a sample's own end time hold its final state. */
        void finish() {
            boolean[] reaching = new boolean[batch];
            for (int p = 0; p < points.length; p++) {
                boolean any = false;
                for (int b = 0; b < batch; b++) {
                    reaching[b] = nextPoint[b] == p;
                    if (reaching[b]) {
                        nextPoint[b]++;
                        any = true;
                    }
                }
                if (any) {
                    sink.accept(p, y, reaching);
                }
            }
        }
    }
}
