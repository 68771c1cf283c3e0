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
 * <p>
 * Every vector lives within one loop body: no vector is passed to or returned from a method, because a call that C2
 * does not inline (a helper already compiled into a large method is not) boxes the vector, a heap object per
 * operation (measured: half the activations of a tutorial-size training step boxed, 6 GB of garbage).
 */
final class VectorActivations implements ActivationKernels {
    static final VectorActivations INSTANCE = new VectorActivations();

    private static final VectorSpecies<Double> D = Species.DOUBLE;
    private static final VectorSpecies<Float> F = Species.FLOAT;

    private VectorActivations() {
    }

    @Override
    public void rectified(Nonlinearity phi, double[] z, double[] out, int from, int to) {
        int i = from;
        int end = from + D.loopBound(to - from);
        int n = D.length();
        DoubleVector one = DoubleVector.broadcast(D, 1.0);
        switch (phi) {
            case SIGMOID:
                for (; i < end; i += n) {
                    DoubleVector v = DoubleVector.fromArray(D, z, i);
                    one.div(v.neg().lanewise(VectorOperators.EXP).add(1.0)).intoArray(out, i);
                }
                break;
            case TANH:
                for (; i < end; i += n) {
                    DoubleVector.fromArray(D, z, i).lanewise(VectorOperators.TANH).max(0.0).intoArray(out, i);
                }
                break;
            case SOFTPLUS:
                // log(1 + e^z) = max(z, 0) + log1p(e^−|z|), which neither overflows nor loses small values.
                for (; i < end; i += n) {
                    DoubleVector v = DoubleVector.fromArray(D, z, i);
                    v.max(0.0).add(v.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P))
                            .intoArray(out, i);
                }
                break;
            case SILU:
                for (; i < end; i += n) {
                    DoubleVector v = DoubleVector.fromArray(D, z, i);
                    v.mul(one.div(v.neg().lanewise(VectorOperators.EXP).add(1.0))).max(0.0)
                            .intoArray(out, i);
                }
                break;
            default:
                for (; i < end; i += n) {
                    DoubleVector.fromArray(D, z, i).max(0.0).intoArray(out, i);
                }
                break;
        }
        ScalarActivations.INSTANCE.rectified(phi, z, out, i, to);
    }

    @Override
    public void rectifiedWithSlope(Nonlinearity phi, double[] z, double[] value, double[] slope, int from, int to) {
        int i = from;
        int end = from + D.loopBound(to - from);
        int n = D.length();
        DoubleVector one = DoubleVector.broadcast(D, 1.0);
        switch (phi) {
            case SIGMOID:
                for (; i < end; i += n) {
                    DoubleVector s = one.div(DoubleVector.fromArray(D, z, i).neg()
                            .lanewise(VectorOperators.EXP).add(1.0));
                    s.intoArray(value, i);
                    s.mul(s.neg().add(1.0)).intoArray(slope, i);
                }
                break;
            case TANH:
                for (; i < end; i += n) {
                    DoubleVector t = DoubleVector.fromArray(D, z, i).lanewise(VectorOperators.TANH);
                    t.max(0.0).intoArray(value, i);
                    t.mul(t).neg().add(1.0).blend(0.0, t.compare(VectorOperators.LE, 0.0)).intoArray(slope, i);
                }
                break;
            case SOFTPLUS:
                for (; i < end; i += n) {
                    DoubleVector v = DoubleVector.fromArray(D, z, i);
                    v.max(0.0).add(v.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P))
                            .intoArray(value, i);
                    one.div(v.neg().lanewise(VectorOperators.EXP).add(1.0)).intoArray(slope, i);
                }
                break;
            case SILU:
                for (; i < end; i += n) {
                    DoubleVector v = DoubleVector.fromArray(D, z, i);
                    DoubleVector s = one.div(v.neg().lanewise(VectorOperators.EXP).add(1.0));
                    DoubleVector u = v.mul(s);
                    u.max(0.0).intoArray(value, i);
                    s.mul(v.mul(s.neg().add(1.0)).add(1.0)).blend(0.0, u.compare(VectorOperators.LE, 0.0))
                            .intoArray(slope, i);
                }
                break;
            default:
                // relu, identity and ELU are max(z, 0) after the ReLU: slope 1 where z > 0, 0 where z <= 0, NaN
                // (from z · 0 + 1) for NaN.
                for (; i < end; i += n) {
                    DoubleVector v = DoubleVector.fromArray(D, z, i);
                    v.max(0.0).intoArray(value, i);
                    v.mul(0.0).add(1.0).blend(0.0, v.compare(VectorOperators.LE, 0.0)).intoArray(slope, i);
                }
                break;
        }
        ScalarActivations.INSTANCE.rectifiedWithSlope(phi, z, value, slope, i, to);
    }

    @Override
    public void rectified(Nonlinearity phi, float[] z, float[] out, int from, int to) {
        int i = from;
        int end = from + F.loopBound(to - from);
        int n = F.length();
        FloatVector one = FloatVector.broadcast(F, 1f);
        switch (phi) {
            case SIGMOID:
                for (; i < end; i += n) {
                    FloatVector v = FloatVector.fromArray(F, z, i);
                    one.div(v.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(out, i);
                }
                break;
            case TANH:
                for (; i < end; i += n) {
                    FloatVector.fromArray(F, z, i).lanewise(VectorOperators.TANH).max(0f).intoArray(out, i);
                }
                break;
            case SOFTPLUS:
                for (; i < end; i += n) {
                    FloatVector v = FloatVector.fromArray(F, z, i);
                    v.max(0f).add(v.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P))
                            .intoArray(out, i);
                }
                break;
            case SILU:
                for (; i < end; i += n) {
                    FloatVector v = FloatVector.fromArray(F, z, i);
                    v.mul(one.div(v.neg().lanewise(VectorOperators.EXP).add(1f))).max(0f)
                            .intoArray(out, i);
                }
                break;
            default:
                for (; i < end; i += n) {
                    FloatVector.fromArray(F, z, i).max(0f).intoArray(out, i);
                }
                break;
        }
        ScalarActivations.INSTANCE.rectified(phi, z, out, i, to);
    }

    @Override
    public void rectifiedWithSlope(Nonlinearity phi, float[] z, float[] value, float[] slope, int from, int to) {
        int i = from;
        int end = from + F.loopBound(to - from);
        int n = F.length();
        FloatVector one = FloatVector.broadcast(F, 1f);
        switch (phi) {
            case SIGMOID:
                for (; i < end; i += n) {
                    FloatVector s = one.div(FloatVector.fromArray(F, z, i).neg()
                            .lanewise(VectorOperators.EXP).add(1f));
                    s.intoArray(value, i);
                    s.mul(s.neg().add(1f)).intoArray(slope, i);
                }
                break;
            case TANH:
                for (; i < end; i += n) {
                    FloatVector t = FloatVector.fromArray(F, z, i).lanewise(VectorOperators.TANH);
                    t.max(0f).intoArray(value, i);
                    t.mul(t).neg().add(1f).blend(0f, t.compare(VectorOperators.LE, 0f)).intoArray(slope, i);
                }
                break;
            case SOFTPLUS:
                for (; i < end; i += n) {
                    FloatVector v = FloatVector.fromArray(F, z, i);
                    v.max(0f).add(v.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P))
                            .intoArray(value, i);
                    one.div(v.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(slope, i);
                }
                break;
            case SILU:
                for (; i < end; i += n) {
                    FloatVector v = FloatVector.fromArray(F, z, i);
                    FloatVector s = one.div(v.neg().lanewise(VectorOperators.EXP).add(1f));
                    FloatVector u = v.mul(s);
                    u.max(0f).intoArray(value, i);
                    s.mul(v.mul(s.neg().add(1f)).add(1f)).blend(0f, u.compare(VectorOperators.LE, 0f))
                            .intoArray(slope, i);
                }
                break;
            default:
                for (; i < end; i += n) {
                    FloatVector v = FloatVector.fromArray(F, z, i);
                    v.max(0f).intoArray(value, i);
                    v.mul(0f).add(1f).blend(0f, v.compare(VectorOperators.LE, 0f)).intoArray(slope, i);
                }
                break;
        }
        ScalarActivations.INSTANCE.rectifiedWithSlope(phi, z, value, slope, i, to);
    }
}
