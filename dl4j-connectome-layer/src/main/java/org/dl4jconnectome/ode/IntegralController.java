package org.dl4jconnectome.ode;

import java.util.Arrays;

/**
 * Step-size control as torchode's {@code IntegralController}, which owns every decision about step sizes:
 * <ul>
 * <li>the error of a step, per sample, is the RMS over its states of {@code err / (atol + rtol·max(|y|, |y_new|))};
 * the step is accepted if that ratio is below 1;</li>
 * <li>the next step is {@code dt · clamp(safety · ratio^(−1/order), factorMin, factorMax)};</li>
 * <li>the first step comes from Hairer's rule (torchode's variant, with the tolerances in the norms);</li>
 * <li>jump times (the edges of a piecewise-constant input, diffrax's {@code jump_ts}): a step that would reach or
 * pass the next jump ends exactly on it, so a discontinuity never lies inside a step.</li>
 * </ul>
 * Immutable.
 */
public final class IntegralController {
    /** torchode's lower bound of the error ratio, so that a zero error gives the maximal growth factor. */
    private static final double ALMOST_ZERO = 1e-38;

    private final double atol;
    private final double rtol;
    private final double safety;
    private final double factorMin;
    private final double factorMax;
    private final double[] jumps;

    /** With torchode's defaults safety 0.9 and factor range [0.2, 10], and no jump times. */
    public IntegralController(double atol, double rtol) {
        this(atol, rtol, 0.9, 0.2, 10.0);
    }

    /**
     * @throws IllegalArgumentException for atol ≤ 0, a negative or non-finite tolerance, a safety factor outside
     *                                  (0, 1] or an empty factor range
     */
    public IntegralController(double atol, double rtol, double safety, double factorMin, double factorMax) {
        this(atol, rtol, safety, factorMin, factorMax, new double[0]);
    }

    private IntegralController(double atol, double rtol, double safety, double factorMin, double factorMax,
                               double[] jumps) {
        // States start at 0, where a purely relative tolerance (atol = 0) scales the error by 0.
        if (!(atol > 0) || !(rtol >= 0) || !Double.isFinite(atol) || !Double.isFinite(rtol)) {
            throw new IllegalArgumentException("tolerances atol = " + atol + ", rtol = " + rtol
                    + ": expected finite atol > 0 and rtol >= 0 (a zero atol cannot be met where a state is 0)");
        }
        if (!(safety > 0 && safety <= 1)) {
            throw new IllegalArgumentException("safety = " + safety + ": expected a value in (0, 1]");
        }
        if (!(factorMin > 0 && factorMin < 1 && factorMax > 1) || !Double.isFinite(factorMax)) {
            throw new IllegalArgumentException("step factor range [" + factorMin + ", " + factorMax
                    + "]: expected 0 < factorMin < 1 < factorMax");
        }
        this.atol = atol;
        this.rtol = rtol;
        this.safety = safety;
        this.factorMin = factorMin;
        this.factorMax = factorMax;
        this.jumps = jumps;
    }

    /** The same controller, stopping steps at the given jump times (ascending). */
    public IntegralController withJumpTimes(double... jumpTimes) {
        double[] j = jumpTimes.clone();
        for (int i = 1; i < j.length; i++) {
            if (!(j[i] > j[i - 1])) {
                throw new IllegalArgumentException("jump times must ascend: " + Arrays.toString(j));
            }
        }
        return new IntegralController(atol, rtol, safety, factorMin, factorMax, j);
    }

    public double atol() {
        return atol;
    }

    public double rtol() {
        return rtol;
    }

    /** The jump times (a copy). */
    public double[] jumpTimes() {
        return jumps.clone();
    }

    /** The tolerance scale of a state component. */
    public double scale(double y) {
        return atol + rtol * Math.abs(y);
    }

    /** The tolerance scale over a step from y to yNew. */
    public double scale(double y, double yNew) {
        return atol + rtol * Math.max(Math.abs(y), Math.abs(yNew));
    }

    /** Error ratio from the sum of squared scaled errors of n states (NaN stays NaN). */
    public double ratio(double sumSquares, int n) {
        double r = Math.sqrt(sumSquares / n);
        return Double.isNaN(r) ? r : Math.max(r, ALMOST_ZERO);
    }

    /** Whether a step with this error ratio is accepted. */
    public boolean accept(double ratio) {
        return ratio < 1.0;
    }

    /** The next step size after a step of size dt with the given error ratio. */
    public double nextStep(double dt, double ratio, int order) {
        double factor = safety * Math.pow(ratio, -1.0 / order);
        return dt * Math.min(factorMax, Math.max(factorMin, factor));
    }

    /**
     * Hairer's first probe step from the scaled norms of the state (d0) and of its derivative (d1), at most the time
     * remaining.
     */
    public double initialProbe(double d0, double d1, double remaining) {
        double dt0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
        return Math.min(dt0, remaining);
    }

    /**
     * Hairer's initial step, given the probe dt0, the scaled norm d1 of the derivative and d2, the scaled norm of
     * the derivative's change over the probe step divided by dt0.
     */
    public double initialStep(double dt0, double d1, double d2, int order) {
        double m = Math.max(d1, d2);
        double dt1 = m <= 1e-15 ? Math.max(1e-6, dt0 * 1e-3) : Math.pow(0.01 / m, 1.0 / order);
        return Math.min(100 * dt0, dt1);
    }

    /**
     * The first jump time after t (beyond the rounding distance eps), or {@code end} if none comes before it: where
     * a step from t must stop.
     */
    public double nextStop(double t, double end, double eps) {
        int i = Arrays.binarySearch(jumps, t + eps);
        int next = i >= 0 ? i + 1 : -i - 1;
        while (next < jumps.length && jumps[next] <= t + eps) {
            next++;
        }
        return next < jumps.length && jumps[next] < end - eps ? jumps[next] : end;
    }

    /** A step of dt from t, shortened to land exactly on {@code stop} when it would reach it (within eps). */
    public double clip(double t, double dt, double stop, double eps) {
        return t + dt >= stop - eps ? stop - t : dt;
    }
}
