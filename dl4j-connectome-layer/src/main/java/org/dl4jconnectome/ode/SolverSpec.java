package org.dl4jconnectome.ode;

import java.io.Serializable;
import java.util.Objects;

/**
 * How to integrate, as one immutable value: a {@link RungeKuttaMethod} and either fixed steps (a number of equal
 * steps between consecutive evaluation points, optionally with checkpointing of the reverse pass) or adaptive steps
 * (tolerances, a step budget per sample, and whether steps end on the input's breakpoints). The defaults are
 * bioplnn's and are defined here once.
 * <pre>
 *   SolverSpec.fixed(2)                                   // Dopri5, 2 steps per interval
 *   SolverSpec.fixed(2).withMethod(RungeKuttaMethod.TSIT5)
 *   SolverSpec.adaptive()                                 // Dopri5, atol 1e-6, rtol 1e-3, 100,000 steps
 *   SolverSpec.adaptive(1e-8, 1e-6).withMaxSteps(1000)
 * </pre>
 */
public final class SolverSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Absolute tolerance of adaptive solves (bioplnn's, from torchode). */
    public static final double DEFAULT_ATOL = 1e-6;
    /** Relative tolerance of adaptive solves (bioplnn's). */
    public static final double DEFAULT_RTOL = 1e-3;
    /** Step budget per sample of adaptive solves. */
    public static final int DEFAULT_MAX_STEPS = 100_000;
    /** Fixed steps between consecutive evaluation points. */
    public static final int DEFAULT_STEPS_PER_INTERVAL = 1;
    /** The default method. */
    public static final RungeKuttaMethod DEFAULT_METHOD = RungeKuttaMethod.DOPRI5;

    private final String method;
    private final boolean adaptive;
    private final int stepsPerInterval;
    private final int checkpointEvery;
    private final double atol;
    private final double rtol;
    private final int maxSteps;
    private final boolean breakpoints;

    private SolverSpec(RungeKuttaMethod method, boolean adaptive, int stepsPerInterval, int checkpointEvery,
                       double atol, double rtol, int maxSteps, boolean breakpoints) {
        this.method = Objects.requireNonNull(method, "method").name();
        this.adaptive = adaptive;
        this.stepsPerInterval = stepsPerInterval;
        this.checkpointEvery = checkpointEvery;
        this.atol = atol;
        this.rtol = rtol;
        this.maxSteps = maxSteps;
        this.breakpoints = breakpoints;
        if (adaptive) {
            new IntegralController(atol, rtol);
            if (maxSteps < 1) {
                throw new IllegalArgumentException("maxSteps = " + maxSteps + ": expected at least 1");
            }
        } else {
            if (stepsPerInterval < 1) {
                throw new IllegalArgumentException("stepsPerInterval = " + stepsPerInterval + ": expected at least 1");
            }
            if (checkpointEvery < 0) {
                throw new IllegalArgumentException("checkpointEvery = " + checkpointEvery
                        + ": expected 0 (keep every step) or a positive step count");
            }
        }
    }

    /** Fixed steps, {@link #DEFAULT_STEPS_PER_INTERVAL} per interval, {@link #DEFAULT_METHOD}. */
    public static SolverSpec fixed() {
        return fixed(DEFAULT_STEPS_PER_INTERVAL);
    }

    /** Fixed steps, {@code stepsPerInterval} (≥ 1) equal steps between consecutive evaluation points. */
    public static SolverSpec fixed(int stepsPerInterval) {
        return new SolverSpec(DEFAULT_METHOD, false, stepsPerInterval, 0, 0, 0, 0, true);
    }

    /** Adaptive steps with the default tolerances and budget. */
    public static SolverSpec adaptive() {
        return adaptive(DEFAULT_ATOL, DEFAULT_RTOL);
    }

    /**
     * Adaptive steps (torchode's integral controller, per-sample step sizes) with the given tolerances (finite, atol
     * &gt; 0, rtol ≥ 0), the default budget and breakpoints on.
     */
    public static SolverSpec adaptive(double atol, double rtol) {
        return new SolverSpec(DEFAULT_METHOD, true, 0, 0, atol, rtol, DEFAULT_MAX_STEPS, true);
    }

    /** The same specification with another method. */
    public SolverSpec withMethod(RungeKuttaMethod m) {
        return new SolverSpec(m, adaptive, stepsPerInterval, checkpointEvery, atol, rtol, maxSteps, breakpoints);
    }

    /** Fixed steps only: the number of equal steps per interval (≥ 1). */
    public SolverSpec withStepsPerInterval(int k) {
        requireFixed("stepsPerInterval");
        return new SolverSpec(method(), false, k, checkpointEvery, 0, 0, 0, true);
    }

    /**
     * Fixed steps only: the reverse pass keeps the stages of every {@code k}-th step and recomputes the others from
     * there (memory / k, one extra forward pass of compute; gradients unchanged); 0 keeps every step. Default: 0.
     */
    public SolverSpec withCheckpointEvery(int k) {
        requireFixed("checkpointEvery");
        return new SolverSpec(method(), false, stepsPerInterval, k, 0, 0, 0, true);
    }

    /** Adaptive only: the tolerances. */
    public SolverSpec withTolerances(double atol, double rtol) {
        requireAdaptive("tolerances");
        return new SolverSpec(method(), true, 0, 0, atol, rtol, maxSteps, breakpoints);
    }

    /** Adaptive only: the budget of steps (accepted and rejected) per sample; exceeding it is an error. */
    public SolverSpec withMaxSteps(int maxSteps) {
        requireAdaptive("maxSteps");
        return new SolverSpec(method(), true, 0, 0, atol, rtol, maxSteps, breakpoints);
    }

    /**
     * Adaptive only: whether steps end on the edges of a piecewise-constant input and restart there (true, the
     * default), or straddle them as torchode's do (false, for comparison with the reference).
     */
    public SolverSpec withBreakpoints(boolean breakpoints) {
        requireAdaptive("breakpoints");
        return new SolverSpec(method(), true, 0, 0, atol, rtol, maxSteps, breakpoints);
    }

    private void requireFixed(String what) {
        if (adaptive) {
            throw new IllegalStateException(what + " applies to fixed steps, but this solver is adaptive");
        }
    }

    private void requireAdaptive(String what) {
        if (!adaptive) {
            throw new IllegalStateException(what + " applies to adaptive steps, but this solver uses fixed steps");
        }
    }

    public RungeKuttaMethod method() {
        return RungeKuttaMethod.named(method);
    }

    public boolean isAdaptive() {
        return adaptive;
    }

    /** Fixed steps between consecutive evaluation points (0 when adaptive). */
    public int stepsPerInterval() {
        return stepsPerInterval;
    }

    /** Fixed steps: keep the stages of every k-th step in the reverse pass (0: every step). */
    public int checkpointEvery() {
        return checkpointEvery;
    }

    public double atol() {
        return atol;
    }

    public double rtol() {
        return rtol;
    }

    public int maxSteps() {
        return maxSteps;
    }

    /** Adaptive: whether steps end on the input's bin edges. */
    public boolean breakpoints() {
        return breakpoints;
    }

    /** The step-size controller of an adaptive specification. */
    public IntegralController controller() {
        requireAdaptive("controller");
        return new IntegralController(atol, rtol);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SolverSpec)) {
            return false;
        }
        SolverSpec s = (SolverSpec) o;
        return method.equals(s.method) && adaptive == s.adaptive && stepsPerInterval == s.stepsPerInterval
                && checkpointEvery == s.checkpointEvery && Double.compare(atol, s.atol) == 0
                && Double.compare(rtol, s.rtol) == 0 && maxSteps == s.maxSteps && breakpoints == s.breakpoints;
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, adaptive, stepsPerInterval, checkpointEvery, atol, rtol, maxSteps, breakpoints);
    }

    @Override
    public String toString() {
        return adaptive
                ? method + " adaptive(atol=" + atol + ", rtol=" + rtol + ", maxSteps=" + maxSteps
                + (breakpoints ? "" : ", no breakpoints") + ")"
                : method + " fixed(stepsPerInterval=" + stepsPerInterval
                + (checkpointEvery > 0 ? ", checkpointEvery=" + checkpointEvery : "") + ")";
    }
}
