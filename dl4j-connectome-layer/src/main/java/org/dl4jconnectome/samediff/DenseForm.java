package org.dl4jconnectome.samediff;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.layer.ConnectomeOdeParamInitializer;
import org.dl4jconnectome.layer.TauMode;
import org.dl4jconnectome.model.EffectiveWeights;

import java.util.Arrays;

/**
 * The dense layouts the graph uses for the layer's parameters, and the constant structure arrays: "W" as an N×N
 * matrix (row = receiving neuron, zero off the connectome), "U" as N×I (zero off the projection), "G" as K×K
 * [post type][pre type], "tau" per type [K] or per neuron [N], "b" [N]. All arrays are row-major doubles.
 */
final class DenseForm {
    final int n;
    final int k;
    final int inputs;
    private final int[] synRow;
    private final int[] synCol;
    private final int[] inRow;
    private final int[] inCol;
    private final int[] typeOf;
    private final TauMode tauMode;
    private final double[] signs;

    DenseForm(ConnectomeOdeLayer conf) {
        Connectome c = conf.getConnectome();
        CsrMatrix w = c.synapses();
        CsrMatrix u = conf.getInputProjection().matrix();
        this.n = c.numNeurons();
        this.k = c.numTypes();
        this.inputs = u.cols();
        this.synRow = w.rowIndices();
        this.synCol = w.columnIndices();
        this.inRow = u.rowIndices();
        this.inCol = u.columnIndices();
        this.typeOf = c.types().typeIds();
        this.tauMode = conf.getTauMode();
        // The layer's own sign rule (Dale, signed edges or all excitatory): its effective weights at W = 1, no gains.
        double[] ones = new double[w.nnz()];
        Arrays.fill(ones, 1.0);
        this.signs = new double[w.nnz()];
        new EffectiveWeights(c, conf.isAllExcitatory(), false).compute(ones, null, signs);
    }

    /** The graph shape of a parameter. */
    long[] shape(String key) {
        switch (key) {
            case ConnectomeOdeParamInitializer.SYNAPSE_KEY:
                return new long[] {n, n};
            case ConnectomeOdeParamInitializer.GAIN_KEY:
                return new long[] {k, k};
            case ConnectomeOdeParamInitializer.TAU_KEY:
                return new long[] {tauMode == TauMode.PER_TYPE ? k : n};
            case ConnectomeOdeParamInitializer.BIAS_KEY:
                return new long[] {n};
            case ConnectomeOdeParamInitializer.INPUT_WEIGHT_KEY:
                return new long[] {n, inputs};
            default:
                throw new IllegalArgumentException("unknown parameter '" + key + "'");
        }
    }

    /** Layer layout (CSR order for W and U) to the graph's dense layout. */
    double[] toGraph(String key, double[] layerValues) {
        switch (key) {
            case ConnectomeOdeParamInitializer.SYNAPSE_KEY:
                return scatter(layerValues, synRow, synCol, n);
            case ConnectomeOdeParamInitializer.INPUT_WEIGHT_KEY:
                return scatter(layerValues, inRow, inCol, inputs);
            default:
                return layerValues.clone();
        }
    }

    /** The graph's dense layout back to the layer's (entries off the structure are dropped). */
    double[] toLayer(String key, double[] graphValues) {
        switch (key) {
            case ConnectomeOdeParamInitializer.SYNAPSE_KEY:
                return gather(graphValues, synRow, synCol, n);
            case ConnectomeOdeParamInitializer.INPUT_WEIGHT_KEY:
                return gather(graphValues, inRow, inCol, inputs);
            default:
                return graphValues.clone();
        }
    }

    /** N×N: the sign of every synapse at its place, 0 where there is none. */
    double[] signMatrix() {
        return scatter(signs, synRow, synCol, n);
    }

    /** N×I: 1 at every entry of the input projection, 0 elsewhere. */
    double[] inputMask() {
        double[] ones = new double[inRow.length];
        Arrays.fill(ones, 1.0);
        return scatter(ones, inRow, inCol, inputs);
    }

    /** N×K: row i is the one-hot type of neuron i. */
    double[] typeOneHot() {
        double[] p = new double[n * k];
        for (int i = 0; i < n; i++) {
            p[i * k + typeOf[i]] = 1.0;
        }
        return p;
    }

    /** N×M: column o selects neuron neurons[o]. */
    double[] selection(int[] neurons) {
        double[] s = new double[n * neurons.length];
        for (int o = 0; o < neurons.length; o++) {
            s[neurons[o] * neurons.length + o] = 1.0;
        }
        return s;
    }

    /** An N×width row-major matrix holding values[e] at (rows[e], cols[e]) and 0 elsewhere. */
    private double[] scatter(double[] values, int[] rows, int[] cols, int width) {
        double[] out = new double[n * width];
        for (int e = 0; e < values.length; e++) {
            out[rows[e] * width + cols[e]] = values[e];
        }
        return out;
    }

    private static double[] gather(double[] dense, int[] rows, int[] cols, int width) {
        double[] out = new double[rows.length];
        for (int e = 0; e < out.length; e++) {
            out[e] = dense[rows[e] * width + cols[e]];
        }
        return out;
    }
}
