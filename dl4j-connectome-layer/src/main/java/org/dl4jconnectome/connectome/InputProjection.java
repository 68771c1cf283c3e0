package org.dl4jconnectome.connectome;

import java.io.Serializable;
import java.util.Objects;

/**
 * The sparse N×I input projection U: input feature k drives neuron i with weight U[i][k]. Its values are the
 * initial values of the layer's trainable (or frozen) input weights.
 */
public final class InputProjection implements Serializable {
    private static final long serialVersionUID = 1L;

    private final CsrMatrix matrix;

    private InputProjection(CsrMatrix matrix) {
        this.matrix = matrix;
    }

    /**
     * Input feature k onto neuron {@code neuronOfInput[k]} with weight 1 (bioplnn's
     * {@code create_identity_ih_connectivity}).
     *
     * @param neuronOfInput target neuron of every input feature, each in [0, numNeurons)
     * @param numNeurons    N
     */
    public static InputProjection identity(int[] neuronOfInput, int numNeurons) {
        Objects.requireNonNull(neuronOfInput, "neuronOfInput");
        if (neuronOfInput.length == 0) {
            throw new IllegalArgumentException("neuronOfInput is empty: expected one target neuron per input feature");
        }
        if (numNeurons < 1) {
            throw new IllegalArgumentException("numNeurons = " + numNeurons + ": expected at least 1");
        }
        int inputs = neuronOfInput.length;
        int[] cols = new int[inputs];
        double[] ones = new double[inputs];
        for (int k = 0; k < inputs; k++) {
            if (neuronOfInput[k] < 0 || neuronOfInput[k] >= numNeurons) {
                throw new IllegalArgumentException("neuronOfInput[" + k + "] = " + neuronOfInput[k]
                        + " is out of range: expected a neuron index 0.." + (numNeurons - 1));
            }
            cols[k] = k;
            ones[k] = 1.0;
        }
        return new InputProjection(CsrMatrix.fromCoo(numNeurons, inputs, neuronOfInput, cols, ones));
    }

    /** A given sparse N×I matrix (rows = neurons, columns = input features). */
    public static InputProjection of(CsrMatrix matrix) {
        Objects.requireNonNull(matrix, "matrix");
        if (matrix.rows() < 1 || matrix.cols() < 1) {
            throw new IllegalArgumentException("input projection must be N x I with N, I >= 1, got " + matrix.rows()
                    + " x " + matrix.cols());
        }
        return new InputProjection(matrix);
    }

    public CsrMatrix matrix() {
        return matrix;
    }

    public int numNeurons() {
        return matrix.rows();
    }

    public int numInputs() {
        return matrix.cols();
    }

    /** Java serialization writes the compact codec form ({@link CompactForm}). */
    private Object writeReplace() {
        return CompactForm.of(this);
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("InputProjection is serialized through its compact form");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputProjection && ((InputProjection) o).matrix.equals(matrix);
    }

    @Override
    public int hashCode() {
        return matrix.hashCode();
    }

    @Override
    public String toString() {
        return "InputProjection[" + matrix.rows() + " neurons x " + matrix.cols() + " inputs, nnz=" + matrix.nnz()
                + "]";
    }

}
