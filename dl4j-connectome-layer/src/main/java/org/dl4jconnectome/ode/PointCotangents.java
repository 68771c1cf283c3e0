package org.dl4jconnectome.ode;

/**
 * The cotangents of the evaluation-point states, for a reverse pass.
 *
 * @param <V> the backend's state handle
 */
@FunctionalInterface
public interface PointCotangents<V> {

    /** Adds the cotangent of evaluation point {@code point} to {@code yBar}. */
    void addTo(int point, V yBar);
}
