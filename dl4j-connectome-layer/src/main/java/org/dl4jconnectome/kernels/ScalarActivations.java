package org.dl4jconnectome.kernels;

import org.dl4jconnectome.connectome.Nonlinearity;

/** {@link ActivationKernels} through {@link Nonlinearity}'s scalar methods (float32 computed in float64). */
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
            value[i] = Math.max(v, 0.0);
            slope[i] = slope(phi, z[i], v);
        }
    }

    @Override
    public void rectified(Nonlinearity phi, float[] z, float[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            out[i] = (float) phi.rectified(z[i]);
        }
    }

    @Override
    public void rectifiedWithSlope(Nonlinearity phi, float[] z, float[] value, float[] slope, int from, int to) {
        for (int i = from; i < to; i++) {
            double v = phi.apply(z[i]);
            value[i] = (float) Math.max(v, 0.0);
            slope[i] = (float) slope(phi, z[i], v);
        }
    }

    /** d ReLU(φ)/dz given v = φ(z): φ'(z) where v &gt; 0, 0 where v ≤ 0, NaN for NaN. */
    private static double slope(Nonlinearity phi, double z, double v) {
        return v > 0 ? phi.derivative(z, v) : v <= 0 ? 0.0 : Double.NaN;
    }
}
