package org.dl4jconnectome.ode;

/**
 * Step-size control as torchode's {@code IntegralController}: the error of a step is measured per sample as the
 * RMS over its states of {@code err / (atol + rtol·max(|y|, |y_new|))}; the step is accepted if that ratio is below 1,
 * and the next step is {@code dt · clamp(safety · ratio^(−1/order), factorMin, factorMax)}. Immutable.
 */
public final class IntegralController {
    /** torchode's lower bound of the error ratio, so that a zero error gives the maximal growth factor. */
    private static final double ALMOST_ZERO = 1e-38;

    private final double atol;
    private final double rtol;
    private final double safety;
    private final double factorMin;
    private final double factorMax;

    /** With torchode's defaults safety 0.9 and factor range [0.2, 10]. */
    public IntegralController(double atol, double rtol) {
        this(atol, rtol, 0.9, 0.2, 10.0);
    }

    /**
     * @throws IllegalArgumentException for atol ≤ 0, a negative or non-finite tolerance, a safety factor outside
     *                                  (0, 1] or an empty factor range
     */
    public IntegralController(double atol, double rtol, double safety, double factorMin, double factorMax) {
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
    }

    public double atol() {
        return atol;
    }

    public double rtol() {
        return rtol;
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

    /** The next step size after a step of size dt with the given error ratio. */
    public double nextStep(double dt, double ratio, int order) {
        double factor = safety * Math.pow(ratio, -1.0 / order);
        return dt * Math.min(factorMax, Math.max(factorMin, factor));
    }
}
