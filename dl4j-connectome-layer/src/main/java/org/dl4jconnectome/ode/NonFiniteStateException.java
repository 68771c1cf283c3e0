package org.dl4jconnectome.ode;

/**
 * A state became NaN or infinite: the step that produced it, and the sample. Thrown by the solvers once per step
 * (fixed) or per attempted step (adaptive), so a diverging solve stops where it diverged instead of returning NaN.
 */
public class NonFiniteStateException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final int sample;
    private final double from;
    private final double to;

    public NonFiniteStateException(int sample, double from, double to) {
        super("the solution of sample " + sample + " became non-finite in the step from t = " + from + " to t = " + to);
        this.sample = sample;
        this.from = from;
        this.to = to;
    }

    /** The first sample whose state is not finite. */
    public int sample() {
        return sample;
    }

    /** Start of the step. */
    public double from() {
        return from;
    }

    /** End of the step. */
    public double to() {
        return to;
    }
}
