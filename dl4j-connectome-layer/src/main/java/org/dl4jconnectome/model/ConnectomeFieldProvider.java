package org.dl4jconnectome.model;

/**
 * A compute backend other than the host's, found with {@link java.util.ServiceLoader} (a jar lists its
 * implementation in {@code META-INF/services/org.dl4jconnectome.model.ConnectomeFieldProvider}); the
 * {@code dl4j-connectome-cuda} module provides the CUDA one. Implementations are stateless and thread-safe, and
 * {@link #unavailableReason()} does not throw: a missing driver or device is a reason, not an error.
 */
public interface ConnectomeFieldProvider {

    /** A short name, e.g. "cuda". */
    String name();

    /** Why this backend cannot run here (e.g. "no CUDA driver: libcuda.so.1 not found"), or null when it can. */
    String unavailableReason();

    /** The device this backend runs on, for the log line, e.g. "NVIDIA H200 (compute 9.0)"; only when available. */
    String deviceDescription();

    /**
     * A field for the model, in the model's precision; only called when {@link #unavailableReason()} is null.
     *
     * @throws IllegalStateException when the device fails while preparing the model
     */
    ConnectomeField<?> create(ConnectomeModel model);
}
