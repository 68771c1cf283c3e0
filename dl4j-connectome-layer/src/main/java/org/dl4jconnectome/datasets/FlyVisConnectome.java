package org.dl4jconnectome.datasets;

import java.util.Arrays;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.NegativeWeightPolicy;
import org.dl4jconnectome.connectome.NeuronTypes;
import org.dl4jconnectome.connectome.Nonlinearity;

/**
 * The fly optic-lobe connectome of Lappalainen et al., "Connectome-constrained networks predict neural activity
 * across the fly visual system", Nature 634:1132–1140 (2024), expanded from its 65 cell types and 605 edge types
 * onto a hexagonal column lattice.
 * <p>
 * Data: {@code fib25-fib19_v2.2.json} of github.com/TuragaLab/flyvis (MIT licence, bundled with its licence and a
 * README under {@code org/dl4jconnectome/datasets/flyvis/}) plus the derived per-edge-type offsets after the
 * convex-hull fill ({@code fib25-fib19_v2.2_offsets_filled.csv}); at extent 15 the expansion gives the 45,669
 * neurons and 1,513,231 synapses of the published model.
 * <p>
 * Expansion, for extent R:
 * <ul>
 * <li>columns: the axial hex coordinates (u, v) with |u| ≤ R, |v| ≤ R and |u + v| ≤ R (3R² + 3R + 1 of them);</li>
 * <li>neurons: one per cell type and column where u is divisible by the type's stride su and v by sv (every column
 * for 63 types; Lawf1 and Lawf2 have stride (3, 2)), ordered by type in JSON order, then u ascending, then v
 * ascending;</li>
 * <li>synapses: for every offset (du, dv, n_syn) of an edge type and every neuron of its source type at (u, v), a
 * synapse onto the target-type neuron at (u + du, v + dv) when that neuron exists, with magnitude n_syn and the edge
 * type's sign ({@code alpha}).</li>
 * </ul>
 * The resulting {@link Connectome} is in signed-edge mode ({@link NegativeWeightPolicy#SIGNED_EDGES}) because the
 * flyvis signs belong to edge types, not cell types (R8, Am, C2 and C3 send both signs). Every type has the
 * nonlinearity {@link Nonlinearity#RELU} (flyvis's activation) and τ = {@link #DEFAULT_TAU}; the type classes are
 * left at their default, as signed-edge mode does not use them. Upstream scales each edge type's n_syn by a trained
 * strength α (initially 0.01 / mean n_syn) and starts τ at 0.05 s; to use other values derive a connectome with
 * {@code network.connectome().toBuilder()} or {@link Connectome#withSynapseMagnitudes}: the neuron order, and so
 * every index the {@link FlyVisNetwork} reports, stays the same.
 */
public final class FlyVisConnectome {
    /** τ of every type, in the model's time unit. flyvis initialises τ at 0.05 s; here the unit is left to callers. */
    public static final double DEFAULT_TAU = 1.0;

    /** The largest extent whose synapse count is guaranteed to fit the int-indexed CSR arrays. */
    public static final int MAX_EXTENT = 500;

    private FlyVisConnectome() {
    }

    /**
     * Expands the flyvis connectome onto the hexagonal lattice of the given extent. Extent 15 is the published
     * model (721 columns, 45,669 neurons, 1,513,231 synapses); extent 0 is a single column (65 neurons, 480
     * synapses).
     *
     * @param extent R, the lattice radius in columns, in [0, {@link #MAX_EXTENT}]
     * @throws IllegalArgumentException if extent is out of range
     */
    public static FlyVisNetwork build(int extent) {
        if (extent < 0 || extent > MAX_EXTENT) {
            throw new IllegalArgumentException("extent = " + extent + ": expected a lattice radius in 0.."
                    + MAX_EXTENT);
        }
        FlyVisSpec spec = FlyVisSpec.get();
        int r = extent;
        int side = 2 * r + 1;
        int numColumns = 3 * r * r + 3 * r + 1;

        // Column lookup by (u, v) on the bounding square, -1 outside the hexagon.
        int[] columnAt = new int[side * side];
        Arrays.fill(columnAt, -1);
        int[] columnU = new int[numColumns];
        int[] columnV = new int[numColumns];
        int c = 0;
        for (int u = -r; u <= r; u++) {
            for (int v = -r; v <= r; v++) {
                if (Math.abs(u + v) <= r) {
                    columnAt[(u + r) * side + v + r] = c;
                    columnU[c] = u;
                    columnV[c] = v;
                    c++;
                }
            }
        }

        int k = spec.numTypes();
        int[] neuronAt = new int[k * numColumns];
        Arrays.fill(neuronAt, -1);
        int[] typeStart = new int[k + 1];
        int[] neuronU = new int[k * numColumns];
        int[] neuronV = new int[k * numColumns];
        int[] neuronType = new int[k * numColumns];
        int n = 0;
        for (int t = 0; t < k; t++) {
            typeStart[t] = n;
            for (c = 0; c < numColumns; c++) {
                if (columnU[c] % spec.strideU[t] == 0 && columnV[c] % spec.strideV[t] == 0) {
                    neuronAt[t * numColumns + c] = n;
                    neuronU[n] = columnU[c];
                    neuronV[n] = columnV[c];
                    neuronType[n] = t;
                    n++;
                }
            }
        }
        typeStart[k] = n;

        // Each offset gives at most one synapse per source neuron.
        long bound = 0;
        for (int o = 0; o < spec.offsetEdge.length; o++) {
            int s = spec.edgeSource[spec.offsetEdge[o]];
            bound += typeStart[s + 1] - typeStart[s];
        }
        int[] post = new int[(int) bound];
        int[] pre = new int[(int) bound];
        int[] edgeType = new int[(int) bound];
        double[] signed = new double[(int) bound];
        int m = 0;
        for (int o = 0; o < spec.offsetEdge.length; o++) {
            int e = spec.offsetEdge[o];
            int source = spec.edgeSource[e];
            int targetBase = spec.edgeTarget[e] * numColumns;
            int du = spec.offsetDu[o];
            int dv = spec.offsetDv[o];
            double w = spec.edgeSign[e] * spec.offsetNsyn[o];
            for (int i = typeStart[source]; i < typeStart[source + 1]; i++) {
                int tu = neuronU[i] + du;
                int tv = neuronV[i] + dv;
                if (Math.abs(tu) <= r && Math.abs(tv) <= r && Math.abs(tu + tv) <= r) {
                    int j = neuronAt[targetBase + columnAt[(tu + r) * side + tv + r]];
                    if (j >= 0) {
                        post[m] = j;
                        pre[m] = i;
                        edgeType[m] = e;
                        signed[m] = w;
                        m++;
                    }
                }
            }
        }
        post = Arrays.copyOf(post, m);
        pre = Arrays.copyOf(pre, m);
        CsrMatrix matrix = CsrMatrix.fromCoo(n, n, post, pre, Arrays.copyOf(signed, m));
        if (matrix.nnz() != m) {
            throw new IllegalStateException("bundled flyvis data yields " + (m - matrix.nnz())
                    + " duplicate synapses: each (edge type, offset) must be listed once");
        }
        int[] synapseEdgeType = new int[m];
        int[] rowPtr = matrix.rowPointers();
        int[] col = matrix.columnIndices();
        for (int q = 0; q < m; q++) {
            synapseEdgeType[Arrays.binarySearch(col, rowPtr[post[q]], rowPtr[post[q] + 1], pre[q])] = edgeType[q];
        }

        double[] tau = new double[k];
        Arrays.fill(tau, DEFAULT_TAU);
        Connectome connectome = Connectome.builder()
                .name("flyvis fib25-fib19 v2.2, extent " + extent)
                .synapses(matrix)
                .negativeWeights(NegativeWeightPolicy.SIGNED_EDGES)
                .neuronTypes(NeuronTypes.fromTypeIds(Arrays.copyOf(neuronType, n), k))
                .typeTau(tau)
                .typeNonlinearity(Nonlinearity.RELU)
                .typeNames(spec.typeNames.toArray(new String[0]))
                .build();
        return new FlyVisNetwork(spec, extent, connectome, columnU, columnV, columnAt, Arrays.copyOf(neuronU, n),
                Arrays.copyOf(neuronV, n), typeStart, neuronAt, synapseEdgeType);
    }
}
