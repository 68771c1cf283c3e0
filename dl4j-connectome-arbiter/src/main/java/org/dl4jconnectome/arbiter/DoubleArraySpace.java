package org.dl4jconnectome.arbiter;

import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.distribution.LogUniformDistribution;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.util.LeafUtils;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A vector of real hyperparameters as one {@code ParameterSpace<double[]>}, for example one time constant per neuron
 * type. Each entry is drawn from one of a list of distinct spaces; several entries may share a space, and then they
 * are one hyperparameter (the same value for all of them).
 * <p>
 * Arbiter discovers hyperparameters only in fields of type {@link ParameterSpace}; spaces held inside lists or arrays
 * would be invisible to it (never given an index, never varied). This space therefore reports its spaces itself, as
 * its nested spaces and leaves, so that it works inside any layer or network space.
 */
public class DoubleArraySpace implements ParameterSpace<double[]> {
    /** The distinct spaces, each a hyperparameter (or a group of them). */
    @JsonProperty
    private List<ParameterSpace<Double>> spaces;
    /** Entry i takes its value from spaces[entrySpace[i]]. */
    @JsonProperty
    private int[] entrySpace;

    /** For Jackson (JSON and YAML). */
    protected DoubleArraySpace() {
    }

    private DoubleArraySpace(List<ParameterSpace<Double>> spaces, int[] entrySpace) {
        this.spaces = spaces;
        this.entrySpace = entrySpace;
    }

    /**
     * One entry per given space; an instance passed several times is one hyperparameter shared by those entries.
     *
     * @throws IllegalArgumentException if no space is given or one is null
     */
    @SafeVarargs
    public static DoubleArraySpace of(ParameterSpace<Double>... entries) {
        if (entries == null || entries.length == 0) {
            throw new IllegalArgumentException("DoubleArraySpace.of: expected at least one entry");
        }
        Map<ParameterSpace<Double>, Integer> index = new IdentityHashMap<>();
        List<ParameterSpace<Double>> distinct = new ArrayList<>();
        int[] entrySpace = new int[entries.length];
        for (int i = 0; i < entries.length; i++) {
            if (entries[i] == null) {
                throw new IllegalArgumentException("DoubleArraySpace.of: entry " + i + " is null");
            }
            Integer k = index.get(entries[i]);
            if (k == null) {
                k = distinct.size();
                index.put(entries[i], k);
                distinct.add(entries[i]);
            }
            entrySpace[i] = k;
        }
        return new DoubleArraySpace(distinct, entrySpace);
    }

    /** {@code length} entries that all take the one value of {@code space}: a single hyperparameter. */
    public static DoubleArraySpace shared(int length, ParameterSpace<Double> space) {
        checkLength(length);
        Objects.requireNonNull(space, "space");
        return new DoubleArraySpace(new ArrayList<>(List.of(space)), new int[length]);
    }

    /** {@code length} independent hyperparameters, each uniform in [min, max]. */
    public static DoubleArraySpace uniform(int length, double min, double max) {
        checkLength(length);
        checkRange(min, max);
        List<ParameterSpace<Double>> spaces = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            spaces.add(new ContinuousParameterSpace(min, max));
        }
        return independent(spaces);
    }

    /**
     * {@code length} independent hyperparameters, each log-uniform in [min, max] (0 &lt; min &lt; max): suited to
     * scales such as time constants, where 0.5→1 matters as much as 1→2.
     */
    public static DoubleArraySpace logUniform(int length, double min, double max) {
        checkLength(length);
        checkRange(min, max);
        if (!(min > 0)) {
            throw new IllegalArgumentException("DoubleArraySpace.logUniform: min = " + min + ": expected > 0");
        }
        List<ParameterSpace<Double>> spaces = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            spaces.add(new ContinuousParameterSpace(new LogUniformDistribution(min, max)));
        }
        return independent(spaces);
    }

    private static DoubleArraySpace independent(List<ParameterSpace<Double>> spaces) {
        int[] entrySpace = new int[spaces.size()];
        Arrays.setAll(entrySpace, i -> i);
        return new DoubleArraySpace(spaces, entrySpace);
    }

    private static void checkLength(int length) {
        if (length < 1) {
            throw new IllegalArgumentException("DoubleArraySpace: length = " + length + ": expected at least 1");
        }
    }

    private static void checkRange(double min, double max) {
        if (!Double.isFinite(min) || !Double.isFinite(max) || !(max > min)) {
            throw new IllegalArgumentException("DoubleArraySpace: [" + min + ", " + max
                    + "]: expected finite bounds with min < max");
        }
    }

    /** Number of entries of the generated arrays. */
    public int length() {
        return entrySpace.length;
    }

    /** The space entry i is drawn from. */
    public ParameterSpace<Double> entry(int i) {
        return spaces.get(entrySpace[i]);
    }

    @Override
    public double[] getValue(double[] parameterValues) {
        double[] distinct = new double[spaces.size()];
        for (int k = 0; k < distinct.length; k++) {
            distinct[k] = spaces.get(k).getValue(parameterValues);
        }
        double[] out = new double[entrySpace.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = distinct[entrySpace[i]];
        }
        return out;
    }

    @Override
    public int numParameters() {
        return LeafUtils.countUniqueParameters(collectLeaves());
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        List<ParameterSpace> leaves = new ArrayList<>();
        for (ParameterSpace<Double> s : spaces) {
            leaves.addAll(s.collectLeaves());
        }
        return leaves;
    }

    @Override
    public Map<String, ParameterSpace> getNestedSpaces() {
        Map<String, ParameterSpace> m = new LinkedHashMap<>();
        for (int k = 0; k < spaces.size(); k++) {
            m.put(String.valueOf(k), spaces.get(k));
        }
        return Collections.unmodifiableMap(m);
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    /** Not a leaf: Arbiter gives indices to the spaces of its entries instead. */
    @Override
    public void setIndices(int... indices) {
        throw new IllegalStateException("DoubleArraySpace is not a leaf: its entries' spaces receive the indices");
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DoubleArraySpace)) {
            return false;
        }
        DoubleArraySpace d = (DoubleArraySpace) o;
        return spaces.equals(d.spaces) && Arrays.equals(entrySpace, d.entrySpace);
    }

    @Override
    public int hashCode() {
        return 31 * spaces.hashCode() + Arrays.hashCode(entrySpace);
    }

    @Override
    public String toString() {
        if (spaces.size() == 1) {
            return "DoubleArraySpace(" + entrySpace.length + " x " + spaces.get(0) + ")";
        }
        return "DoubleArraySpace(" + entrySpace.length + " entries, " + spaces.size() + " spaces: " + spaces + ")";
    }
}
