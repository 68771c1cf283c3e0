package org.dl4jconnectome.ode;

/**
 * A {@link VectorField} with a hand-written vector–Jacobian product, for reverse-mode differentiation.
 *
 * @param <V> the backend's state handle
 */
public interface DifferentiableVectorField<V> extends VectorField<V> {

    /**
     * Given the cotangent {@code outBar} of an evaluation {@code out = f(y)} (whose record is {@code record}),
     * writes the cotangent of y into {@code yBar} (overwriting it) and adds the cotangents of the field's parameters
     * and inputs to its own accumulators.
     */
    void vjp(int[] segment, V y, V record, V outBar, V yBar);

    /**
     * Called by a solver after the stages of one step have been back-propagated, so that a field can batch work over
     * them; the parameter cotangents are complete after the last call.
     */
    default void endOfStep() {
    }
}
