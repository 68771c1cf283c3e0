package org.dl4jconnectome.kernels;

import org.dl4jconnectome.connectome.Nonlinearity;

/**
 * The rectified nonlinearity ReLU(φ(z)) of the model and its slope, over ranges of an array, in float64 and float32.
 * A scalar call of {@code Math.exp} costs several nanoseconds, which over the N·B states of every stage is as much as
 * the sparse product; the Vector API implementation evaluates the exponentials several lanes at a time. NaN
 * propagates (the value and the slope of a NaN are NaN), so a diverging state is never turned into a dead neuron.
 * {@link SparseKernels#activations()} gives the implementation that goes with a set of sparse kernels.
 */
public interface ActivationKernels {

    /** out[i] = ReLU(φ(z[i])) for i in [from, to). */
    void rectified(Nonlinearity phi, double[] z, double[] out, int from, int to);

    /** value[i] = ReLU(φ(z[i])) and slope[i] = d ReLU(φ(z))/dz at z[i], for i in [from, to). */
    void rectifiedWithSlope(Nonlinearity phi, double[] z, double[] value, double[] slope, int from, int to);

    /** {@link #rectified(Nonlinearity, double[], double[], int, int)} in float32. */
    void rectified(Nonlinearity phi, float[] z, float[] out, int from, int to);

    /** {@link #rectifiedWithSlope(Nonlinearity, double[], double[], double[], int, int)} in float32. */
    void rectifiedWithSlope(Nonlinearity phi, float[] z, float[] value, float[] slope, int from, int to);

    /** Plain Java, through {@link Nonlinearity}'s own methods. */
    static ActivationKernels scalar() {
        return ScalarActivations.INSTANCE;
    }
}
