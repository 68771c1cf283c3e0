package org.dl4jconnectome.datasets;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.dl4jconnectome.connectome.Connectome;

/**
 * The fly optic-lobe network built by {@link FlyVisConnectome#build(int)}: the {@link Connectome} together with the
 * hexagonal column lattice, the column of every neuron, and the edge type of every synapse. Immutable; array
 * accessors return copies.
 * <p>
 * Neurons are ordered by cell type (in the order of the flyvis JSON), then by u, then by v, so the neurons of one
 * type are a contiguous index range.
 */
public final class FlyVisNetwork {
    private final FlyVisSpec spec;
    private final int extent;
    private final Connectome connectome;
    private final int[] columnU;
    private final int[] columnV;
    private final int[] columnAt;
    private final int[] neuronU;
    private final int[] neuronV;
    private final int[] typeStart;
    private final int[] neuronAt;
    private final int[] synapseEdgeType;

    FlyVisNetwork(FlyVisSpec spec, int extent, Connectome connectome, int[] columnU, int[] columnV, int[] columnAt,
                  int[] neuronU, int[] neuronV, int[] typeStart, int[] neuronAt, int[] synapseEdgeType) {
        this.spec = spec;
        this.extent = extent;
        this.connectome = connectome;
        this.columnU = columnU;
        this.columnV = columnV;
        this.columnAt = columnAt;
        this.neuronU = neuronU;
        this.neuronV = neuronV;
        this.typeStart = typeStart;
        this.neuronAt = neuronAt;
        this.synapseEdgeType = synapseEdgeType;
    }

    /** The connectome: signed n_syn per synapse, one type per flyvis cell type, ReLU, τ = 1. */
    public Connectome connectome() {
        return connectome;
    }

    /** The lattice radius R. */
    public int extent() {
        return extent;
    }

    public int numNeurons() {
        return neuronU.length;
    }

    /** Number of lattice columns, 3R² + 3R + 1. */
    public int numColumns() {
        return columnU.length;
    }

    /** The u coordinate of every lattice column, ordered by u, then v. */
    public int[] columnU() {
        return columnU.clone();
    }

    /** The v coordinate of every lattice column, in the order of {@link #columnU()}. */
    public int[] columnV() {
        return columnV.clone();
    }

    /** The u coordinate of every neuron's column, in neuron order. */
    public int[] neuronU() {
        return neuronU.clone();
    }

    /** The v coordinate of every neuron's column, in neuron order. */
    public int[] neuronV() {
        return neuronV.clone();
    }

    /** The cell-type id of every neuron, in neuron order (the same as {@code connectome().types().typeIds()}). */
    public int[] neuronTypeIds() {
        return connectome.types().typeIds();
    }

    /** The 65 cell-type names, indexed by type id. */
    public List<String> typeNames() {
        return spec.typeNames;
    }

    /**
     * The type id of a cell type.
     *
     * @throws IllegalArgumentException if there is no such type
     */
    public int typeIndex(String typeName) {
        Integer t = spec.typeIndex.get(typeName);
        if (t == null) {
            throw new IllegalArgumentException("typeName = '" + typeName + "': expected one of the flyvis cell types "
                    + spec.typeNames);
        }
        return t;
    }

    /** The neurons of a cell type, ascending (one per column the type's stride allows). */
    public int[] neuronsOfType(String typeName) {
        int t = typeIndex(typeName);
        return range(typeStart[t], typeStart[t + 1]);
    }

    /**
     * The neuron of a cell type at column (u, v), or −1 where the column lies outside the lattice or the type has
     * no cell there (Lawf1 and Lawf2 occupy only columns with u divisible by 3 and v by 2).
     *
     * @throws IllegalArgumentException if there is no such type
     */
    public int neuronAt(String typeName, int u, int v) {
        int t = typeIndex(typeName);
        int r = extent;
        if (Math.abs(u) > r || Math.abs(v) > r || Math.abs(u + v) > r) {
            return -1;
        }
        return neuronAt[t * columnU.length + columnAt[(u + r) * (2 * r + 1) + v + r]];
    }

    /** The input cell types, the photoreceptors R1–R8 (JSON {@code input_units}). */
    public List<String> inputTypeNames() {
        return names(spec.inputTypes);
    }

    /** The 34 output cell types (JSON {@code output_units}: T1–T5, Tm, TmY). */
    public List<String> outputTypeNames() {
        return names(spec.outputTypes);
    }

    /** The neurons of the input types, ascending. */
    public int[] inputNeurons() {
        return neuronsOf(spec.inputTypes);
    }

    /** The neurons of the output types, ascending. */
    public int[] outputNeurons() {
        return neuronsOf(spec.outputTypes);
    }

    /** Number of edge types (source type, target type): 605. */
    public int numEdgeTypes() {
        return spec.numEdgeTypes();
    }

    /**
     * The edge type of every synapse, in the CSR order of {@code connectome().synapses()}: an index into the JSON
     * {@code edges} array, for sharing one parameter per edge type as flyvis does.
     */
    public int[] synapseEdgeTypes() {
        return synapseEdgeType.clone();
    }

    /** The presynaptic cell type of edge type e. */
    public String edgeTypeSource(int e) {
        return spec.typeNames.get(spec.edgeSource[checkEdgeType(e)]);
    }

    /** The postsynaptic cell type of edge type e. */
    public String edgeTypeTarget(int e) {
        return spec.typeNames.get(spec.edgeTarget[checkEdgeType(e)]);
    }

    /** The sign of edge type e, +1 (excitatory) or −1 (inhibitory): the JSON {@code alpha}. */
    public int edgeTypeSign(int e) {
        return spec.edgeSign[checkEdgeType(e)];
    }

    @Override
    public String toString() {
        return "FlyVisNetwork[extent " + extent + ", " + numColumns() + " columns, " + numNeurons() + " neurons, "
                + connectome.numSynapses() + " synapses]";
    }

    private int checkEdgeType(int e) {
        if (e < 0 || e >= spec.numEdgeTypes()) {
            throw new IllegalArgumentException("edge type " + e + " is out of range: expected 0.."
                    + (spec.numEdgeTypes() - 1));
        }
        return e;
    }

    private List<String> names(int[] types) {
        List<String> out = new ArrayList<>(types.length);
        for (int t : types) {
            out.add(spec.typeNames.get(t));
        }
        return List.copyOf(out);
    }

    private int[] neuronsOf(int[] types) {
        int count = 0;
        for (int t : types) {
            count += typeStart[t + 1] - typeStart[t];
        }
        int[] out = new int[count];
        int k = 0;
        for (int t : types) {
            for (int i = typeStart[t]; i < typeStart[t + 1]; i++) {
                out[k++] = i;
            }
        }
        Arrays.sort(out);
        return out;
    }

    private static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }
}
