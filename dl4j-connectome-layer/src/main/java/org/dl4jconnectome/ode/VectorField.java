package org.dl4jconnectome.ode;

/**
 * The right-hand side dy/dt = f(y, segment) of a batch of independent systems, on the states of one
 * {@link StateBackend}. Time enters only through the <i>segment</i> of each sample: the index of the
 * piecewise-constant input bin its time lies in; a solver never lets a step straddle a segment edge.
 *
 * @param <V> the backend's state handle
 */
public interface VectorField<V> {

    /**
     * out = f(y): segment[b] is the input segment of sample b.
     *
     * @param record receives what the field's reverse pass needs (a state-sized handle), or null when not recording
     */
    void evaluate(int[] segment, V y, V out, V record);
}
