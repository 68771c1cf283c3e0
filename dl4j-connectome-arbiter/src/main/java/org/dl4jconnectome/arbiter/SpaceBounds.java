package org.dl4jconnectome.arbiter;

import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.deeplearning4j.arbiter.optimize.serde.jackson.JsonMapper;
import org.nd4j.shade.jackson.core.JsonProcessingException;

/**
 * The lowest and highest value a numeric space can produce, known before the search starts, so that a space whose
 * bounds lie outside what the layer accepts is rejected when it is built instead of failing candidate by candidate.
 * Arbiter's spaces do not expose their distributions, so continuous and discrete spaces are probed on a copy (the
 * inverse distribution function at 0 and 1 gives the support; a discrete space is read value by value).
 */
final class SpaceBounds {
    private SpaceBounds() {
    }

    /**
     * [lowest, highest], or null when they cannot be known before the search (a space of another kind: its values are
     * then checked candidate by candidate).
     */
    static double[] of(ParameterSpace<?> space) {
        if (space instanceof FixedValue) {
            Object v = ((FixedValue<?>) space).getValue();
            return v instanceof Number ? pair(((Number) v).doubleValue()) : null;
        }
        if (space instanceof IntegerParameterSpace) {
            IntegerParameterSpace s = (IntegerParameterSpace) space;
            return new double[] {s.getMin(), s.getMax()};
        }
        if (space instanceof ContinuousParameterSpace) {
            ParameterSpace<?> probe = copy(space);
            return probe == null ? null : range(probe, 0.0, 1.0);
        }
        if (space instanceof DiscreteParameterSpace) {
            DiscreteParameterSpace<?> probe = (DiscreteParameterSpace<?>) copy(space);
            if (probe == null) {
                return null;
            }
            int n = probe.numValues();
            double[] inputs = new double[n];
            for (int i = 0; i < n; i++) {
                inputs[i] = (double) i / n;
            }
            return range(probe, inputs);
        }
        return null;
    }

    /** The bounds over every entry of an array space, or null if one entry's bounds are unknown. */
    static double[] ofEntries(DoubleArraySpace space) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < space.length(); i++) {
            double[] b = of(space.entry(i));
            if (b == null) {
                return null;
            }
            lo = Math.min(lo, b[0]);
            hi = Math.max(hi, b[1]);
        }
        return new double[] {lo, hi};
    }

    private static double[] pair(double v) {
        return new double[] {v, v};
    }

    /** A copy through JSON, so that probing (which sets the copy's index) leaves the caller's space untouched. */
    private static ParameterSpace<?> copy(ParameterSpace<?> space) {
        try {
            String json = JsonMapper.getMapper().writeValueAsString(space);
            ParameterSpace<?> copy = JsonMapper.getMapper().readValue(json, ParameterSpace.class);
            copy.setIndices(0);
            return copy;
        } catch (JsonProcessingException | RuntimeException e) {
            return null;
        }
    }

    private static double[] range(ParameterSpace<?> probe, double... inputs) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double x : inputs) {
            Object v = probe.getValue(new double[] {x});
            if (!(v instanceof Number)) {
                return null;
            }
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d)) {
                return new double[] {Double.NaN, Double.NaN};
            }
            lo = Math.min(lo, d);
            hi = Math.max(hi, d);
        }
        return new double[] {lo, hi};
    }
}
