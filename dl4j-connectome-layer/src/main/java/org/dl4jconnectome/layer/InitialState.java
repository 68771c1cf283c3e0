package org.dl4jconnectome.layer;

/**
 * The state h(t0) every sample starts from, unless a state is given at run time with
 * {@link ConnectomeOdeRuntimeLayer#setInitialState}.
 */
public enum InitialState {
    /** h(t0) = 0 (bioplnn's default). */
    ZEROS,
    /** h(t0) = 1. */
    ONES
}
