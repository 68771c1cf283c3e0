package org.dl4jconnectome.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.dl4jconnectome.connectome.Nonlinearity;

/**
 * {@link ActivationKernels} on the Vector API (its EXP, TANH and LOG1P are SIMD math routines). After the ReLU,
 * relu, identity and ELU all reduce to max(z, 0); the tail of a range goes through the scalar methods. MAX keeps NaN
 * (it has {@code Math.max}'s semantics) and slopes are zeroed only where the value is ≤ 0, so NaN propagates.
 */
final class VectorActivations implements ActivationKernels {
    static final VectorActivations INSTANCE = new VectorActivations();

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private VectorActivations() {
    }

    @Override
    public void rectified(Nonlinearity phi, double[] z, double[] out, int from, int to) {
        int i = from;
        for (int end = from + D.loopBound(to - from); i < end; i += D.length()) {
            DoubleVector v = DoubleVector.fromArray(D, z, i);
            value(phi, v).intoArray(out, i);
        }
        ScalarActivations.INSTANCE.rectified(phi, z, out, i, to);
    }

    @Override
    public void rectifiedWithSlope(Nonlinearity phi, double[] z, double[] value, double[] slope, int from, int to) {
        int i = from;
        for (int end = from + D.loopBound(to - from); i < end; i += D.length()) {
            DoubleVector v = DoubleVector.fromArray(D, z, i);
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
                    val = t.max(0.0);
                    d = t.mul(t).neg().add(1.0).blend(0.0, t.compare(VectorOperators.LE, 0.0));
                    break;
                }
                case SOFTPLUS:
                    val = softplus(v);
                    d = sigmoid(v);
                    break;
                case SILU: {
                    DoubleVector s = sigmoid(v);
                    DoubleVector u = v.mul(s);
                    val = u.max(0.0);
                    d = s.mul(v.mul(s.neg().add(1.0)).add(1.0)).blend(0.0, u.compare(VectorOperators.LE, 0.0));
                    break;
                }
                default:
                    // relu, identity and ELU are max(z, 0) after the ReLU: slope 1 where z > 0, 0 where z <= 0,
                    // NaN (from z · 0 + 1) for NaN.
                    val = v.max(0.0);
                    d = v.mul(0.0).add(1.0).blend(0.0, v.compare(VectorOperators.LE, 0.0));
                    break;
            }
            val.intoArray(value, i);
            d.intoArray(slope, i);
        }
        ScalarActivations.INSTANCE.rectifiedWithSlope(phi, z, value, slope, i, to);
    }

    @Override
    public void rectified(Nonlinearity phi, float[] z, float[] out, int from, int to) {
        int i = from;
        for (int end = from + F.loopBound(to - from); i < end; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, z, i);
            value(phi, v).intoArray(out, i);
        }
        ScalarActivations.INSTANCE.rectified(phi, z, out, i, to);
    }

    @Override
    public void rectifiedWithSlope(Nonlinearity phi, float[] z, float[] value, float[] slope, int from, int to) {
        int i = from;
        for (int end = from + F.loopBound(to - from); i < end; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, z, i);
            FloatVector val;
            FloatVector d;
            switch (phi) {
                case SIGMOID: {
                    FloatVector s = sigmoid(v);
                    val = s;
                    d = s.mul(s.neg().add(1f));
                    break;
                }
                case TANH: {
                    FloatVector t = v.lanewise(VectorOperators.TANH);
                    val = t.max(0f);
                    d = t.mul(t).neg().add(1f).blend(0f, t.compare(VectorOperators.LE, 0f));
                    break;
                }
                case SOFTPLUS:
                    val = softplus(v);
                    d = sigmoid(v);
                    break;
                case SILU: {
                    FloatVector s = sigmoid(v);
                    FloatVector u = v.mul(s);
                    val = u.max(0f);
                    d = s.mul(v.mul(s.neg().add(1f)).add(1f)).blend(0f, u.compare(VectorOperators.LE, 0f));
                    break;
                }
                default:
                    val = v.max(0f);
                    d = v.mul(0f).add(1f).blend(0f, v.compare(VectorOperators.LE, 0f));
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

    private static FloatVector value(Nonlinearity phi, FloatVector v) {
        switch (phi) {
            case SIGMOID:
                return sigmoid(v);
            case TANH:
                return v.lanewise(VectorOperators.TANH).max(0f);
            case SOFTPLUS:
                return softplus(v);
            case SILU:
                return v.mul(sigmoid(v)).max(0f);
            default:
                return v.max(0f);
        }
    }

    private static DoubleVector sigmoid(DoubleVector v) {
        return DoubleVector.broadcast(D, 1.0).div(v.neg().lanewise(VectorOperators.EXP).add(1.0));
    }

    private static FloatVector sigmoid(FloatVector v) {
        return FloatVector.broadcast(F, 1f).div(v.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    /** log(1 + e^z) = max(z, 0) + log1p(e^−|z|), which neither overflows nor loses small values. */
    private static DoubleVector softplus(DoubleVector v) {
        return v.max(0.0).add(v.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P));
    }

    private static FloatVector softplus(FloatVector v) {
        return v.max(0f).add(v.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P));
    }
}
