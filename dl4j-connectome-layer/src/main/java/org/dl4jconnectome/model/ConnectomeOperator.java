package org.dl4jconnectome.model;

import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.kernels.BlockedCsr;
import org.dl4jconnectome.kernels.Parallel;

/**
 * The fixed structure of a typed connectome's vector field, prepared once for the kernels and shared, read-only, by
 * every solve on it (any number of threads): the recurrent matrix's blocked layouts (for A·x, for Aᵀ·g in the
 * reverse pass, and for the per-synapse gradient), the input projection's structure, and the neuron types with their
 * nonlinearities. The values (the current parameters) live in each solve's {@link ConnectomeDynamics}.
 */
public final class ConnectomeOperator {
    private final int n;
    private final CsrMatrix structure;
    private final int blockWidth;
    private final BlockedCsr forward;
    private BlockedCsr transposed;
    private BlockedCsr outer;
    private final int[] uRowPtr;
    private final int[] uCol;
    private final int numInputs;
    private final int[] typeOf;
    private final Nonlinearity[] typeNonlinearity;
    private final boolean single;

    /**
     * @param recurrent        structure of A (N×N, rows = receiving neuron); its values are ignored
     * @param inputProjection  structure of U (N×I); its values are ignored
     * @param typeOf           type of every neuron
     * @param typeNonlinearity φ per type
     * @param singlePrecision  whether the products run on float32 operands (sizes the cache blocks)
     */
    public ConnectomeOperator(CsrMatrix recurrent, CsrMatrix inputProjection, int[] typeOf,
                              Nonlinearity[] typeNonlinearity, boolean singlePrecision) {
        this.n = recurrent.rows();
        if (recurrent.cols() != n || inputProjection.rows() != n || typeOf.length != n) {
            throw new IllegalArgumentException("inconsistent sizes: recurrent " + recurrent.rows() + "x"
                    + recurrent.cols() + ", input projection " + inputProjection.rows() + "x" + inputProjection.cols()
                    + ", " + typeOf.length + " neuron types");
        }
        this.structure = recurrent;
        // Double operands take twice the cache per column.
        this.blockWidth = singlePrecision ? BlockedCsr.DEFAULT_BLOCK_WIDTH
                : Math.max(1, BlockedCsr.DEFAULT_BLOCK_WIDTH / 2);
        this.forward = BlockedCsr.of(n, n, recurrent.rowPointers(), recurrent.columnIndices(), blockWidth,
                Parallel.threads());
        this.uRowPtr = inputProjection.rowPointers();
        this.uCol = inputProjection.columnIndices();
        this.numInputs = inputProjection.cols();
        this.typeOf = typeOf.clone();
        this.typeNonlinearity = typeNonlinearity.clone();
        this.single = singlePrecision;
    }

    public int size() {
        return n;
    }

    public int numInputs() {
        return numInputs;
    }

    public int numSynapses() {
        return forward.nnz();
    }

    public int numInputWeights() {
        return uCol.length;
    }

    /** Whether the products run in float32. */
    public boolean singlePrecision() {
        return single;
    }

    BlockedCsr forward() {
        return forward;
    }

    /** Aᵀ for the reverse pass, prepared on first use. */
    synchronized BlockedCsr transposed() {
        if (transposed == null) {
            transposed = BlockedCsr.transposeOf(n, n, structure.rowPointers(), structure.columnIndices(), blockWidth,
                    Parallel.threads());
        }
        return transposed;
    }

    /**
     * The layout of the per-synapse gradient pass, prepared on first use: its gathers read six stages' batches per
     * presynaptic neuron, so narrower blocks keep them in cache.
     */
    synchronized BlockedCsr outer() {
        if (outer == null) {
            outer = BlockedCsr.of(n, n, structure.rowPointers(), structure.columnIndices(),
                    Math.max(256, blockWidth / 8), Parallel.threads());
        }
        return outer;
    }

    int[] inputRowPointers() {
        return uRowPtr;
    }

    int[] inputColumns() {
        return uCol;
    }

    int typeOf(int row) {
        return typeOf[row];
    }

    Nonlinearity nonlinearityOfRow(int row) {
        return typeNonlinearity[typeOf[row]];
    }

    /** End of the run of rows of row r's type, within [r, limit). */
    int runEnd(int r, int limit) {
        int t = typeOf[r];
        int end = r + 1;
        while (end < limit && typeOf[end] == t) {
            end++;
        }
        return end;
    }
}
