package org.dl4jconnectome.ode;

/**
 * Receives the solution at the evaluation points, as the solver reaches them.
 *
 * @param <V> the backend's state handle
 */
@FunctionalInterface
public interface PointSink<V> {

    /**
     * The state at evaluation point {@code point} of the selected samples (all when {@code samples} is null; an
     * adaptive solver reaches a point at a different step for each sample). The handle is only valid during the call.
     */
    void accept(int point, V state, boolean[] samples);
}
