package org.dl4jconnectome.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.dl4jconnectome.connectome.Nonlinearity;

/**
 * {@link ActivationKernels} on the Vector API (its EXP, TANH and LOG1P are SIMD math routines). After the ReLU,
 * relu, identity and ELU all reduce to max(z, 0); the tail of a range goes through the scalar methods.
 */
final class VectorActivations implements ActivationKernels {
    static final VectorActivations INSTANCE = new VectorActivations();

    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;

    private VectorActivations() {
    }

    @Override
    public void rectified(Nonlinearity phi, double[] z, double[] out, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            DoubleVector v = DoubleVector.fromArray(S, z, i);
            value(phi, v).intoArray(out, i);
        }
        ScalarActivations.INSTANCE.rectified(phi, z, out, i, to);
    }

    @Override
    public void rectifiedWithSlope(Nonlinearity phi, double[] z, double[] value, double[] slope, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
            DoubleVector v = DoubleVector.fromArray(S, z, i);
            VectorMask<Double> positive = v.compare(VectorOperators.GT, 0.0);
            DoubleVector zero = DoubleVector.zero(S);
            DoubleVector val;
            DoubleVector d;
            switch (phi) {
                case SIGMOID: {
                    DoubleVector s = sigmoid(v);
                    val = s;
                    d = s.mul(s.neg().add(1.0));
                    break;
                }
                case TANH: {
                    DoubleVector t = v.lanewise(VectorOperators.TANH);
                    val = t.blend(zero, positive.not());
                    d = t.mul(t).neg().add(1.0).blend(zero, positive.not());
                    break;
                }
                case SOFTPLUS:
                    val = softplus(v);
                    d = sigmoid(v);
                    break;
                case SILU: {
                    DoubleVector s = sigmoid(v);
                    val = v.mul(s).blend(zero, positive.not());
                    d = s.mul(v.mul(s.neg().add(1.0)).add(1.0)).blend(zero, positive.not());
                    break;
                }
                default:
                    // relu, identity and ELU are max(z, 0) after the ReLU, with slope 1 where z > 0.
                    val = v.max(0.0);
                    d = zero.blend(1.0, positive);
                    break;
            }
            val.intoArray(value, i);
            d.intoArray(slope, i);
        }
        ScalarActivations.INSTANCE.rectifiedWithSlope(phi, z, value, slope, i, to);
    }

    private static DoubleVector value(Nonlinearity phi, DoubleVector v) {
        switch (phi) {
            case SIGMOID:
                return sigmoid(v);
            case TANH:
                return v.lanewise(VectorOperators.TANH).max(0.0);
            case SOFTPLUS:
                return softplus(v);
            case SILU:
                return v.mul(sigmoid(v)).max(0.0);
            default:
                return v.max(0.0);
        }
    }

    private static DoubleVector sigmoid(DoubleVector v) {
        return DoubleVector.broadcast(S, 1.0).div(v.neg().lanewise(VectorOperators.EXP).add(1.0));
    }

    /** log(1 + e^z) = max(z, 0) + log1p(e^−|z|), which neither overflows nor loses small values. */
    private static DoubleVector softplus(DoubleVector v) {
        return v.max(0.0).add(v.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P));
    }
}
