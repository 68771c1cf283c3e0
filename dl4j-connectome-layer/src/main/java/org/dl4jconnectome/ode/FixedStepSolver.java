package org.dl4jconnectome.ode;

import java.util.Objects;
import java.util.function.DoubleConsumer;

/**
 * An explicit Runge–Kutta method unrolled over a fixed {@link StepSchedule}, with its exact reverse pass (the discrete
 * adjoint of the same steps, so gradients are those of the computed outputs, not of the exact ODE). Written once
 * against {@link StateBackend}; the states live wherever the backend keeps them.
 * <p>
 * Only the stages the solution needs are evaluated ({@link ButcherTableau#solutionStages()}: 6 for Dopri5 and
 * Tsit5). The reverse pass needs each stage's input and the field's record, which a {@link Tape} keeps: memory
 * O(stages × steps × state size). With checkpointing every k steps the tape keeps only the states at every k-th step
 * and recomputes the stages of k steps at a time in the reverse pass (one more forward pass of compute, memory
 * O(steps / k + stages × k)); the gradients are the same, bit for bit.
 * <p>
 * Per-sample end times let samples of a batch end early (variable-length sequences): a sample's step size is zero
 * after its end, so its state is held and its later points repeat its final state.
 * <p>
 * The working handles are kept from one call to the next, so an instance is not thread-safe: use one per solve
 * context.
 *
 * @param <V> the backend's state handle
 */
public final class FixedStepSolver<V> {
    private final RungeKuttaMethod method;
    private final ButcherTableau tableau;
    private final int stages;
    private final int checkpointEvery;

    private StateBackend<V> ops;
    private V[] k;
    private V[] kBar;
    private V y;
    private V stageIn;
    private V record;
    private V yBar;
    private V prevBar;
    private V stageBar;
    private double[][] w;
    private double[][] spreadW;
    private boolean[] finite;
    private double[] hBuffer;
    private int[] segmentBuffer;
    private V[] single;
    private V[] targets;

    /**
     * @param method          the Runge–Kutta method
     * @param checkpointEvery keep the stages of every step (0) or only the state every k steps (k ≥ 1)
     */
    public FixedStepSolver(RungeKuttaMethod method, int checkpointEvery) {
        this.method = Objects.requireNonNull(method, "method");
        this.tableau = method.tableau();
        this.stages = tableau.solutionStages();
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("checkpointEvery = " + checkpointEvery + ": expected >= 0");
        }
        this.checkpointEvery = checkpointEvery;
    }

    /** A solver for the fixed part of a specification. */
    public static <V> FixedStepSolver<V> of(SolverSpec spec) {
        if (spec.isAdaptive()) {
            throw new IllegalArgumentException("a fixed-step solver needs a fixed SolverSpec, got " + spec);
        }
        return new FixedStepSolver<>(spec.method(), spec.checkpointEvery());
    }

    public RungeKuttaMethod method() {
        return method;
    }

    /** Keep every step's stages (0) or only every k-th state (k). */
    public int checkpointEvery() {
        return checkpointEvery;
    }

    /** Field evaluations per step. */
    public int stagesPerStep() {
        return stages;
    }

    private void ensure(StateBackend<V> backend) {
        if (backend == ops) {
            return;
        }
        ops = backend;
        k = backend.handleArray(stages);
        kBar = backend.handleArray(stages);
        for (int i = 0; i < stages; i++) {
            k[i] = backend.allocate();
            kBar[i] = backend.allocate();
        }
        y = backend.allocate();
        stageIn = backend.allocate();
        record = backend.allocate();
        yBar = backend.allocate();
        prevBar = backend.allocate();
        stageBar = backend.allocate();
        w = new double[stages][backend.batch()];
        spreadW = new double[stages + 1][backend.batch()];
        finite = new boolean[backend.batch()];
        single = backend.handleArray(1);
        targets = backend.handleArray(stages + 1);
    }

    /** Checkpoints a forward pass keeps: the states before steps 0, k, 2k, … */
    private int numCheckpoints(int steps) {
        return checkpointEvery == 0 ? 0 : (steps + checkpointEvery - 1) / checkpointEvery;
    }

    /**
     * Integrates from {@code y0} along the schedule, reporting every evaluation point (point 0 is y0).
     *
     * @param endTimes per-sample end times (a sample's steps after its end have size 0), or null: all run to t1
     * @param tape     records what {@link #backward} needs, or null for inference
     * @param progress receives the fraction of steps done after each step, or null
     * @throws NonFiniteStateException when a state becomes NaN or infinite (checked once per step)
     */
    public void forward(VectorField<V> f, StateBackend<V> backend, StepSchedule schedule, double[] endTimes, V y0,
                        PointSink<V> sink, Tape<V> tape, DoubleConsumer progress) {
        ensure(backend);
        checkEndTimes(endTimes, backend.batch());
        int steps = schedule.numSteps();
        if (tape != null) {
            tape.ensure(backend, checkpointEvery == 0 ? steps : 0, stages, numCheckpoints(steps));
        }
        backend.copy(y0, y);
        sink.accept(0, y, null);
        if (tape != null) {
            // Marked only once the pass completes: a failed pass leaves no usable tape.
            tape.recorded(-1, checkpointEvery);
        }
        boolean recordStages = tape != null && checkpointEvery == 0;
        for (int n = 0; n < steps; n++) {
            if (tape != null && checkpointEvery > 0 && n % checkpointEvery == 0) {
                backend.copy(y, tape.checkpoint(n / checkpointEvery));
            }
            step(f, schedule, endTimes, n, recordStages ? tape : null, 0);
            int p = schedule.pointAfterStep(n);
            if (p >= 0) {
                sink.accept(p, y, null);
            }
            if (progress != null) {
                progress.accept((n + 1.0) / steps);
            }
        }
        if (tape != null) {
            tape.recorded(steps, checkpointEvery);
        }
    }

    /**
     * One step n from the state in {@code y}: the stages (recorded at tape position n − offset when a tape is
     * given), then the update of y.
     */
    private void step(VectorField<V> f, StepSchedule schedule, double[] endTimes, int n, Tape<V> tape, int offset) {
        V[] kk = k;
        double[] h = stepSizes(schedule, endTimes, n);
        int[] segment = segments(schedule, n);
        for (int i = 0; i < stages; i++) {
            V yi = tape == null ? stageIn : tape.input(n - offset, i);
            for (int j = 0; j < i; j++) {
                for (int b = 0; b < h.length; b++) {
                    w[j][b] = h[b] * tableau.a(i, j);
                }
            }
            ops.combine(yi, y, w, kk, i, null, null);
            f.evaluate(segment, yi, kk[i], tape == null ? null : tape.record(n - offset, i));
        }
        for (int i = 0; i < stages; i++) {
            for (int b = 0; b < h.length; b++) {
                w[i][b] = h[b] * tableau.b(i);
            }
        }
        ops.combine(y, y, w, kk, stages, null, finite);
        for (int b = 0; b < finite.length; b++) {
            if (!finite[b]) {
                double t = schedule.stepStart(n);
                throw new NonFiniteStateException(b, t, t + schedule.stepSize(n));
            }
        }
    }

    /** Per-sample step sizes of step n: 0 for samples that ended before it. */
    private double[] stepSizes(StepSchedule schedule, double[] endTimes, int n) {
        int batch = ops.batch();
        if (hBuffer == null || hBuffer.length != batch) {
            hBuffer = new double[batch];
        }
        double end = schedule.stepStart(n) + schedule.stepSize(n);
        double eps = 1e-9 * schedule.stepSize(n);
        for (int b = 0; b < batch; b++) {
            hBuffer[b] = endTimes == null || end <= endTimes[b] + eps ? schedule.stepSize(n) : 0.0;
        }
        return hBuffer;
    }

    private int[] segments(StepSchedule schedule, int n) {
        int batch = ops.batch();
        if (segmentBuffer == null || segmentBuffer.length != batch) {
            segmentBuffer = new int[batch];
        }
        java.util.Arrays.fill(segmentBuffer, schedule.stepSegment(n));
        return segmentBuffer;
    }

    private static void checkEndTimes(double[] endTimes, int batch) {
        if (endTimes != null && endTimes.length != batch) {
            throw new IllegalArgumentException("endTimes has " + endTimes.length + " entries, expected one per sample ("
                    + batch + ")");
        }
    }

    /**
     * The reverse pass of {@link #forward}: given the cotangents of the evaluation-point states, accumulates the
     * field's parameter cotangents (through {@link DifferentiableVectorField#vjp}) and writes the cotangent of y0.
     *
     * @param tape  the tape of a forward pass over the same schedule, end times and backend
     * @param y0Bar receives the cotangent of y0 (overwritten)
     */
    public void backward(DifferentiableVectorField<V> f, StateBackend<V> backend, StepSchedule schedule,
                         double[] endTimes, Tape<V> tape, PointCotangents<V> pointsBar, V y0Bar) {
        Objects.requireNonNull(tape, "tape");
        ensure(backend);
        checkEndTimes(endTimes, backend.batch());
        int steps = schedule.numSteps();
        tape.checkRecorded(backend, steps, checkpointEvery);
        backend.fill(yBar, 0.0);
        pointsBar.addTo(schedule.numPoints() - 1, yBar);
        if (checkpointEvery == 0) {
            for (int n = steps - 1; n >= 0; n--) {
                reverseStep(f, schedule, endTimes, tape, pointsBar, n, 0);
            }
        } else {
            // Recompute k steps at a time from their checkpoint into a tape of k steps, then reverse them.
            tape.ensure(backend, Math.min(checkpointEvery, steps), stages, numCheckpoints(steps));
            for (int c = numCheckpoints(steps) - 1; c >= 0; c--) {
                int first = c * checkpointEvery;
                int last = Math.min(steps, first + checkpointEvery);
                backend.copy(tape.checkpoint(c), y);
                for (int n = first; n < last; n++) {
                    step(f, schedule, endTimes, n, tape, first);
                }
                for (int n = last - 1; n >= first; n--) {
                    reverseStep(f, schedule, endTimes, tape, pointsBar, n, first);
                }
            }
        }
        pointsBar.addTo(0, yBar);
        backend.copy(yBar, y0Bar);
    }

    /** Back-propagates yBar (the cotangent after step n) through step n, whose stages are at tape position n − offset. */
    private void reverseStep(DifferentiableVectorField<V> f, StepSchedule schedule, double[] endTimes, Tape<V> tape,
                             PointCotangents<V> pointsBar, int n, int offset) {
        V[] kb = kBar;
        double[] h = stepSizes(schedule, endTimes, n);
        int[] segment = segments(schedule, n);
        ops.copy(yBar, prevBar);
        for (int i = 0; i < stages; i++) {
            for (int b = 0; b < h.length; b++) {
                w[0][b] = h[b] * tableau.b(i);
            }
            single[0] = yBar;
            ops.combine(kb[i], null, w, single, 1, null, null);
        }
        for (int i = stages - 1; i >= 0; i--) {
            f.vjp(segment, tape.input(n - offset, i), tape.record(n - offset, i), kb[i], stageBar);
            // prevBar += stageBar; kBar_j += h a_ij stageBar (j < i): one read of stageBar.
            targets[0] = prevBar;
            java.util.Arrays.fill(spreadW[0], 1.0);
            for (int j = 0; j < i; j++) {
                targets[j + 1] = kb[j];
                for (int b = 0; b < h.length; b++) {
                    spreadW[j + 1][b] = h[b] * tableau.a(i, j);
                }
            }
            ops.spread(stageBar, spreadW, targets, i + 1);
        }
        f.endOfStep();
        V t = yBar;
        yBar = prevBar;
        prevBar = t;
        if (n > 0) {
            int p = schedule.pointAfterStep(n - 1);
            if (p >= 0) {
                pointsBar.addTo(p, yBar);
            }
        }
    }
}
