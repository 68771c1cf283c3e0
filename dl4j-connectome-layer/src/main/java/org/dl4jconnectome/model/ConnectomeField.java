package org.dl4jconnectome.model;

import org.dl4jconnectome.ode.DifferentiableVectorField;
import org.dl4jconnectome.ode.StateBackend;

/**
 * The vector field of a connectome ODE-RNN together with the states it works on: what a {@link ConnectomeIntegrator}
 * needs of a compute backend. The host implementation runs {@link ConnectomeDynamics} on Java arrays; another
 * backend (a GPU's, see {@link ConnectomeFieldProvider}) keeps states, parameters and the reverse pass's tape in its
 * own memory. Parameters are given as the model's trainable values (synapse magnitudes and optional type-pair gains);
 * the field maps them to effective weights with the model's {@link EffectiveWeights} and maps the gradients back.
 * <p>
 * Not thread-safe: one instance per solve context.
 *
 * @param <V> the backend's state handle
 */
public interface ConnectomeField<V> extends DifferentiableVectorField<V> {

    /** Which backend this is, for logs and messages, e.g. "cpu (vector kernels)". */
    String backendName();

    /** The backend of this field's states for the current batch (changes when {@link #setInput} changes B). */
    StateBackend<V> states();

    /** Whether the states live in the Java heap (else in a device's memory). */
    boolean statesOnHost();

    /** The bytes of state memory this field may still use: the Java heap, or the device's memory. */
    long stateMemoryLimit();

    /**
     * Sets the parameters of the next evaluations (arrays in the connectome's CSR order; a field may keep them by
     * reference until the next call).
     *
     * @param magnitudes   synapse magnitudes W ≥ 0
     * @param gains        type-pair gains K×K, or null without type-pair gains
     * @param tauPerNeuron τ of every neuron (each &gt; 0)
     * @param bias         b per neuron
     * @param inputWeights values of U
     */
    void setParameters(double[] magnitudes, double[] gains, double[] tauPerNeuron, double[] bias,
                       double[] inputWeights);

    /**
     * Sets the input: segments[s] is the I×B input of segment s, batch-innermost (feature k of sample b at
     * {@code k * B + b}).
     */
    void setInput(double[][] segments, int batch);

    /** Zeroes the gradient accumulators (sized for the current input). */
    void resetGradients();

    /**
     * The cotangents of the synapse parameters accumulated since {@link #resetGradients()}.
     *
     * @param magnitudeGrad receives dL/dW in CSR order (overwritten)
     * @param gainGrad      receives dL/dG (overwritten), or null without type-pair gains
     */
    void synapseGradients(double[] magnitudeGrad, double[] gainGrad);

    /** Cotangent of τ per neuron (valid until the next reset). */
    double[] tauGradient();

    /** Cotangent of the bias per neuron (valid until the next reset). */
    double[] biasGradient();

    /** Cotangent of U's values in CSR order (valid until the next reset). */
    double[] inputWeightGradient();

    /** Cotangent of every input segment, same layout as {@link #setInput} (valid until the next reset). */
    double[][] inputGradient();
}
