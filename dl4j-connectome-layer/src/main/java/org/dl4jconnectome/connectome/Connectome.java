package org.dl4jconnectome.connectome;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An immutable typed connectome: N neurons, a sparse N×N matrix of synapse magnitudes (rows = receiving neuron),
 * a type per neuron and, per type, a class (excitatory / inhibitory), an initial time constant τ and a
 * nonlinearity.
 * <p>
 * Synapse signs come either from the presynaptic neuron's type class (Dale's law, the default) or, in
 * <i>signed-edge</i> mode, from each synapse (see {@link NegativeWeightPolicy#SIGNED_EDGES}); magnitudes are always
 * ≥ 0.
 */
public final class Connectome implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final CsrMatrix synapses;
    private final byte[] edgeSigns;
    private final NeuronTypes types;
    private final NeuronClass[] typeClasses;
    private final double[] typeTau;
    private final Nonlinearity[] typeNonlinearity;
    private final String[] typeNames;

    private Connectome(Builder b, CsrMatrix magnitudes, byte[] edgeSigns, NeuronTypes types) {
        int k = types.numTypes();
        this.name = b.name;
        this.synapses = magnitudes;
        this.edgeSigns = edgeSigns;
        this.types = types;
        this.typeClasses = b.typeClasses == null ? filled(new NeuronClass[k], NeuronClass.EXCITATORY)
                : b.typeClasses.clone();
        this.typeTau = b.typeTau == null ? filled(k, 1.0) : b.typeTau.clone();
        this.typeNonlinearity = b.typeNonlinearity == null ? filled(new Nonlinearity[k], Nonlinearity.SIGMOID)
                : b.typeNonlinearity.length == 1 ? filled(new Nonlinearity[k], b.typeNonlinearity[0])
                : b.typeNonlinearity.clone();
        String[] names = b.typeNames;
        if (names == null) {
            names = new String[k];
            for (int t = 0; t < k; t++) {
                names[t] = "type" + t;
            }
        }
        this.typeNames = names.clone();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A free-text name (e.g. the data set), or null. */
    public String name() {
        return name;
    }

    public int numNeurons() {
        return synapses.rows();
    }

    public int numSynapses() {
        return synapses.nnz();
    }

    public int numTypes() {
        return types.numTypes();
    }

    /** The synapse magnitudes W ≥ 0 (rows = receiving neuron). */
    public CsrMatrix synapses() {
        return synapses;
    }

    public NeuronTypes types() {
        return types;
    }

    /** True when every synapse carries its own sign ({@link NegativeWeightPolicy#SIGNED_EDGES}). */
    public boolean hasEdgeSigns() {
        return edgeSigns != null;
    }

    /**
     * The sign of every synapse in CSR order: the edge's own sign in signed-edge mode, otherwise the class sign of
     * its presynaptic neuron's type.
     */
    public double[] synapseSigns() {
        double[] s = new double[synapses.nnz()];
        if (edgeSigns != null) {
            for (int k = 0; k < s.length; k++) {
                s[k] = edgeSigns[k];
            }
        } else {
            int[] col = synapses.columnIndices();
            for (int k = 0; k < s.length; k++) {
                s[k] = typeClasses[types.typeOf(col[k])].sign();
            }
        }
        return s;
    }

    /** The signed matrix A = sign ⊙ W (rows = receiving neuron). */
    public CsrMatrix signedSynapses() {
        double[] v = synapses.values();
        double[] s = synapseSigns();
        for (int k = 0; k < v.length; k++) {
            v[k] *= s[k];
        }
        return synapses.withValues(v);
    }

    public NeuronClass typeClass(int t) {
        return typeClasses[t];
    }

    public double typeTau(int t) {
        return typeTau[t];
    }

    /** Initial τ per type (a copy). */
    public double[] typeTaus() {
        return typeTau.clone();
    }

    public Nonlinearity typeNonlinearity(int t) {
        return typeNonlinearity[t];
    }

    public String typeName(int t) {
        return typeNames[t];
    }

    /** The same connectome with other synapse magnitudes (same structure, same order). */
    public Connectome withSynapseMagnitudes(double[] magnitudes) {
        CsrMatrix w = synapses.withValues(magnitudes);
        for (int k = 0; k < magnitudes.length; k++) {
            if (magnitudes[k] < 0) {
                throw new IllegalArgumentException("magnitudes[" + k + "] = " + magnitudes[k]
                        + " is negative: synapse magnitudes must be >= 0");
            }
        }
        return toBuilder().build(w, edgeSigns);
    }

    /** A builder holding this connectome's properties. */
    public Builder toBuilder() {
        Builder b = new Builder().name(name).neuronTypes(types);
        b.typeClasses = typeClasses.clone();
        b.typeTau = typeTau.clone();
        b.typeNonlinearity = typeNonlinearity.clone();
        b.typeNames = typeNames.clone();
        b.synapses = edgeSigns == null ? synapses : signedSynapses();
        b.policy = edgeSigns == null ? NegativeWeightPolicy.REJECT : NegativeWeightPolicy.SIGNED_EDGES;
        return b;
    }

    /** Java serialization writes the compact codec form ({@link CompactForm}). */
    private Object writeReplace() {
        return CompactForm.of(this);
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("Connectome is serialized through its compact form");
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Connectome)) {
            return false;
        }
        Connectome c = (Connectome) o;
        return Objects.equals(name, c.name) && synapses.equals(c.synapses) && Arrays.equals(edgeSigns, c.edgeSigns)
                && types.equals(c.types) && Arrays.equals(typeClasses, c.typeClasses)
                && Arrays.equals(typeTau, c.typeTau) && Arrays.equals(typeNonlinearity, c.typeNonlinearity)
                && Arrays.equals(typeNames, c.typeNames);
    }

    @Override
    public int hashCode() {
        return Objects.hash(synapses, types, Arrays.hashCode(typeTau));
    }

    @Override
    public String toString() {
        return "Connectome[" + (name == null ? "" : name + ", ") + numNeurons() + " neurons, " + numSynapses()
                + " synapses, " + numTypes() + " types" + (hasEdgeSigns() ? ", signed edges" : "") + "]";
    }

    private static <T> T[] filled(T[] a, T v) {
        Arrays.fill(a, v);
        return a;
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    /** Builder; {@link #synapses(CsrMatrix)} is the only required setting. */
    public static final class Builder {
        private String name;
        private CsrMatrix synapses;
        private NegativeWeightPolicy policy = NegativeWeightPolicy.REJECT;
        private NeuronTypes types;
        private NeuronClass[] typeClasses;
        private double[] typeTau;
        private Nonlinearity[] typeNonlinearity;
        private String[] typeNames;

        private Builder() {
        }

        /** Free-text name, e.g. the data set. Default: none. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** The N×N synapse matrix, rows = receiving (postsynaptic) neuron. Required. */
        public Builder synapses(CsrMatrix synapses) {
            this.synapses = synapses;
            return this;
        }

        /** What negative values in {@link #synapses} mean. Default: {@link NegativeWeightPolicy#REJECT}. */
        public Builder negativeWeights(NegativeWeightPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** The type of every neuron. Default: a single type. */
        public Builder neuronTypes(NeuronTypes types) {
            this.types = types;
            return this;
        }

        /** One class per type (Dale's law signs). Default: all excitatory. */
        public Builder typeClasses(NeuronClass... classes) {
            this.typeClasses = classes == null ? null : classes.clone();
            return this;
        }

        /** One class name per type, "excitatory" or "inhibitory". Default: all excitatory. */
        public Builder typeClasses(List<String> classes) {
            if (classes == null) {
                this.typeClasses = null;
                return this;
            }
            NeuronClass[] c = new NeuronClass[classes.size()];
            for (int t = 0; t < c.length; t++) {
                c[t] = NeuronClass.parse(classes.get(t));
            }
            this.typeClasses = c;
            return this;
        }

        /** Initial τ per type (each finite and &gt; 0). Default: 1.0 for every type. */
        public Builder typeTau(double... tau) {
            this.typeTau = tau == null ? null : tau.clone();
            return this;
        }

        /** Nonlinearity per type, or a single one for all types. Default: sigmoid. */
        public Builder typeNonlinearity(Nonlinearity... nonlinearities) {
            this.typeNonlinearity = nonlinearities == null ? null : nonlinearities.clone();
            return this;
        }

        /** A name per type. Default: "type0", "type1", ... */
        public Builder typeNames(String... names) {
            this.typeNames = names == null ? null : names.clone();
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the argument that is inconsistent
         */
        public Connectome build() {
            if (synapses == null) {
                throw new IllegalArgumentException("synapses is not set: a connectome needs an N x N synapse matrix");
            }
            double[] v = synapses.values();
            byte[] signs = null;
            if (policy == NegativeWeightPolicy.SIGNED_EDGES) {
                signs = new byte[v.length];
            }
            for (int k = 0; k < v.length; k++) {
                if (signs != null) {
                    // copySign keeps the sign of a zero magnitude (−0.0) through signedSynapses() round trips.
                    signs[k] = (byte) (Math.copySign(1.0, v[k]) < 0 ? -1 : 1);
                    v[k] = Math.abs(v[k]);
                } else if (v[k] < 0) {
                    switch (policy) {
                        case ABS:
                            v[k] = -v[k];
                            break;
                        case CLAMP_TO_ZERO:
                            v[k] = 0.0;
                            break;
                        default:
                            throw new IllegalArgumentException("synapse entry " + k + " (row "
                                    + synapses.rowIndices()[k] + ", column " + synapses.columnIndices()[k]
                                    + ") is negative (" + v[k] + "): magnitudes must be >= 0; choose a "
                                    + "NegativeWeightPolicy (ABS, CLAMP_TO_ZERO or SIGNED_EDGES) to accept signed data");
                    }
                }
            }
            return build(synapses.withValues(v), signs);
        }

        private Connectome build(CsrMatrix magnitudes, byte[] signs) {
            int n = magnitudes.rows();
            if (magnitudes.cols() != n || n == 0) {
                throw new IllegalArgumentException("synapses must be a non-empty square N x N matrix, got "
                        + magnitudes.rows() + " x " + magnitudes.cols());
            }
            NeuronTypes t = types == null ? NeuronTypes.single(n) : types;
            if (t.numNeurons() != n) {
                throw new IllegalArgumentException("neuronTypes covers " + t.numNeurons()
                        + " neurons but the synapse matrix has " + n);
            }
            int k = t.numTypes();
            checkLength("typeClasses", typeClasses, k);
            checkLength("typeTau", typeTau, k);
            checkLength("typeNames", typeNames, k);
            if (typeNonlinearity != null && typeNonlinearity.length != 1) {
                checkLength("typeNonlinearity", typeNonlinearity, k);
            }
            nonNullEntries("typeClasses", typeClasses);
            nonNullEntries("typeNonlinearity", typeNonlinearity);
            if (typeTau != null) {
                for (int i = 0; i < typeTau.length; i++) {
                    if (!(typeTau[i] > 0) || !Double.isFinite(typeTau[i])) {
                        throw new IllegalArgumentException("typeTau[" + i + "] = " + typeTau[i]
                                + ": expected a finite time constant > 0");
                    }
                }
            }
            return new Connectome(this, magnitudes, signs, t);
        }

        private static void checkLength(String what, Object array, int k) {
            if (array != null && java.lang.reflect.Array.getLength(array) != k) {
                throw new IllegalArgumentException(what + " has " + java.lang.reflect.Array.getLength(array)
                        + " entries, expected one per neuron type (" + k + ")");
            }
        }

        private static void nonNullEntries(String what, Object[] array) {
            if (array != null) {
                for (int i = 0; i < array.length; i++) {
                    if (array[i] == null) {
                        throw new IllegalArgumentException(what + "[" + i + "] is null");
                    }
                }
            }
        }
    }
}
