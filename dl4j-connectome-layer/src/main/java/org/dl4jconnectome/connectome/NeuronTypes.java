package org.dl4jconnectome.connectome;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The assignment of N neurons to K types: every neuron has exactly one type id in [0, K).
 * Built either from a type id per neuron or, as in bioplnn's {@code neuron_type_indices}, from one index list per
 * type that together cover every neuron exactly once. Immutable.
 */
public final class NeuronTypes implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int numTypes;
    private final int[] typeOf;

    private NeuronTypes(int numTypes, int[] typeOf) {
        this.numTypes = numTypes;
        this.typeOf = typeOf;
    }

    /** All N neurons in a single type 0. */
    public static NeuronTypes single(int numNeurons) {
        if (numNeurons < 1) {
            throw new IllegalArgumentException("numNeurons = " + numNeurons + ": expected at least 1");
        }
        return new NeuronTypes(1, new int[numNeurons]);
    }

    /**
     * From a type id per neuron.
     *
     * @param typeIds  type of each neuron, in [0, numTypes)
     * @param numTypes K, from 1 to the number of neurons (a type may be empty, but there cannot be more types than
     *                 neurons: per-type arrays are sized by K, so a stray huge id must not size them)
     */
    public static NeuronTypes fromTypeIds(int[] typeIds, int numTypes) {
        Objects.requireNonNull(typeIds, "typeIds");
        if (typeIds.length == 0) {
            throw new IllegalArgumentException("typeIds is empty: expected one type id per neuron");
        }
        if (numTypes < 1 || numTypes > typeIds.length) {
            throw new IllegalArgumentException("numTypes = " + numTypes + ": expected 1.." + typeIds.length
                    + " (at most one type per neuron, " + typeIds.length + " neurons)");
        }
        for (int i = 0; i < typeIds.length; i++) {
            if (typeIds[i] < 0 || typeIds[i] >= numTypes) {
                throw new IllegalArgumentException("typeIds[" + i + "] = " + typeIds[i] + " is out of range: expected 0.."
                        + (numTypes - 1));
            }
        }
        return new NeuronTypes(numTypes, typeIds.clone());
    }

    /**
     * From a type id per neuron, with K = max id + 1.
     *
     * @throws IllegalArgumentException if an id is negative or not below the number of neurons (K cannot exceed N),
     *                                  naming the first such neuron
     */
    public static NeuronTypes fromTypeIds(int[] typeIds) {
        Objects.requireNonNull(typeIds, "typeIds");
        int max = 0;
        for (int i = 0; i < typeIds.length; i++) {
            if (typeIds[i] < 0 || typeIds[i] >= typeIds.length) {
                throw new IllegalArgumentException("typeIds[" + i + "] = " + typeIds[i] + " is out of range: "
                        + typeIds.length + " neurons have at most " + typeIds.length + " types, so expected 0.."
                        + (typeIds.length - 1));
            }
            max = Math.max(max, typeIds[i]);
        }
        return fromTypeIds(typeIds, max + 1);
    }

    /**
     * From one index list per type (bioplnn's {@code neuron_type_indices}).
     *
     * @throws IllegalArgumentException if there are more lists than neurons, an index is out of range, a neuron is
     *                                  listed twice, or some neuron is in no list (naming the first such neuron)
     */
    public static NeuronTypes fromIndexLists(int numNeurons, List<int[]> indicesPerType) {
        Objects.requireNonNull(indicesPerType, "indicesPerType");
        if (numNeurons < 1) {
            throw new IllegalArgumentException("numNeurons = " + numNeurons + ": expected at least 1");
        }
        if (indicesPerType.isEmpty() || indicesPerType.size() > numNeurons) {
            throw new IllegalArgumentException("indicesPerType has " + indicesPerType.size() + " lists: expected one "
                    + "index list per neuron type, 1.." + numNeurons + " of them (at most one type per neuron)");
        }
        int[] typeOf = new int[numNeurons];
        Arrays.fill(typeOf, -1);
        for (int t = 0; t < indicesPerType.size(); t++) {
            int[] idx = Objects.requireNonNull(indicesPerType.get(t), "indicesPerType[" + t + "]");
            for (int j = 0; j < idx.length; j++) {
                int i = idx[j];
                if (i < 0 || i >= numNeurons) {
                    throw new IllegalArgumentException("indicesPerType[" + t + "][" + j + "] = " + i
                            + " is out of range: expected 0.." + (numNeurons - 1));
                }
                if (typeOf[i] >= 0) {
                    throw new IllegalArgumentException("neuron " + i + " is listed in type " + typeOf[i]
                            + " and in type " + t + ": every neuron must belong to exactly one type");
                }
                typeOf[i] = t;
            }
        }
        int missing = 0;
        int first = -1;
        for (int i = 0; i < numNeurons; i++) {
            if (typeOf[i] < 0) {
                if (first < 0) {
                    first = i;
                }
                missing++;
            }
        }
        if (missing > 0) {
            throw new IllegalArgumentException("the neuron type index lists do not cover all " + numNeurons
                    + " neurons: " + missing + " neurons have no type (first: neuron " + first + ")");
        }
        return new NeuronTypes(indicesPerType.size(), typeOf);
    }

    public int numNeurons() {
        return typeOf.length;
    }

    public int numTypes() {
        return numTypes;
    }

    /** The type of neuron i. */
    public int typeOf(int i) {
        return typeOf[i];
    }

    /** Type id per neuron (a copy). */
    public int[] typeIds() {
        return typeOf.clone();
    }

    /** Number of neurons of type t. */
    public int count(int t) {
        int n = 0;
        for (int v : typeOf) {
            if (v == t) {
                n++;
            }
        }
        return n;
    }

    /** The neurons of type t, ascending. */
    public int[] indicesOf(int t) {
        int[] out = new int[count(t)];
        int k = 0;
        for (int i = 0; i < typeOf.length; i++) {
            if (typeOf[i] == t) {
                out[k++] = i;
            }
        }
        return out;
    }

    /** Deserialized types pass the same checks as built ones, so a tampered stream cannot declare 10^9 types. */
    private Object readResolve() throws java.io.ObjectStreamException {
        try {
            return fromTypeIds(typeOf, numTypes);
        } catch (RuntimeException e) {
            java.io.InvalidObjectException ex = new java.io.InvalidObjectException("corrupt serialized NeuronTypes: "
                    + e.getMessage());
            ex.initCause(e);
            throw ex;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NeuronTypes && ((NeuronTypes) o).numTypes == numTypes
                && Arrays.equals(((NeuronTypes) o).typeOf, typeOf);
    }

    @Override
    public int hashCode() {
        return 31 * numTypes + Arrays.hashCode(typeOf);
    }

    @Override
    public String toString() {
        return "NeuronTypes[" + typeOf.length + " neurons, " + numTypes + " types]";
    }
}
