package org.dl4jconnectome.kernels;

import org.dl4jconnectome.connectome.Nonlinearity;

/** {@link ActivationKernels} through {@link Nonlinearity}'s scalar methods. */
final class ScalarActivations implements ActivationKernels {
    static final ScalarActivations INSTANCE = new ScalarActivations();

    private ScalarActivations() {
    }

    @Override
    public void rectified(Nonlinearity phi, double[] z, double[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = phi.rectified(z[i]);
        }
    }

    @Override
    public void rectifiedWithSlope(Nonlinearity phi, double[] z, double[] value, double[] slope, int from, int to) {
        for (int i = from; i < to; i++) {
            double v = phi.apply(z[i]);
            value[i] = v > 0 ? v : 0.0;
            slope[i] = v > 0 ? phi.derivative(z[i], v) : 0.0;
        }
    }
}
