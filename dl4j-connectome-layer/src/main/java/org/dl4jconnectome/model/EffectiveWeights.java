package org.dl4jconnectome.model;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.kernels.BlockedCsr;

import java.util.Arrays;

/**
 * Maps the trainable synapse parameters to the signed effective weights of the recurrent matrix:
 * <pre>
 *   a_k = W_k · s_k · G[κ(post_k), κ(pre_k)]
 * </pre>
 * with W ≥ 0 the magnitudes, s the synapse sign (the presynaptic type's class under Dale's law, the edge's own sign
 * in signed-edge mode, or +1 for every synapse in the legacy all-excitatory mode) and G the optional type-pair gains.
 * All arrays are in the connectome's CSR order.
 */
public final class EffectiveWeights {
    private final byte[] sign;
    private final int[] pair;
    private final int numPairs;

    /**
     * @param connectome    structure, types and signs
     * @param allExcitatory ignore signs (bioplnn's tutorial-era behaviour, every synapse excitatory)
     * @param typePairGains multiply by a gain per (postsynaptic type, presynaptic type) pair
     */
    public EffectiveWeights(Connectome connectome, boolean allExcitatory, boolean typePairGains) {
        double[] signs = connectome.synapseSigns();
        this.sign = new byte[signs.length];
        for (int s = 0; s < signs.length; s++) {
            sign[s] = allExcitatory || signs[s] > 0 ? (byte) 1 : (byte) -1;
        }
        int k = connectome.numTypes();
        this.numPairs = typePairGains ? k * k : 0;
        if (typePairGains) {
            int[] rowIdx = connectome.synapses().rowIndices();
            int[] colIdx = connectome.synapses().columnIndices();
            pair = new int[sign.length];
            for (int s = 0; s < pair.length; s++) {
                pair[s] = connectome.types().typeOf(rowIdx[s]) * k + connectome.types().typeOf(colIdx[s]);
            }
        } else {
            pair = null;
        }
    }

    /** Number of gains expected (K², or 0 without type-pair gains). */
    public int numGains() {
        return numPairs;
    }

    /**
     * The effective weights straight into a kernel layout's storage order, out[s] = a[layout.csrPosition(s)]
     * (float32 operands), without a CSR-order copy of them.
     */
    public void toStorage(double[] magnitudes, double[] gains, BlockedCsr layout, float[] out) {
        for (int s = 0; s < out.length; s++) {
            int p = layout.csrPosition(s);
            double v = magnitudes[p] * sign[p];
            out[s] = (float) (pair == null ? v : v * gains[pair[p]]);
        }
    }

    /** {@link #toStorage(double[], double[], BlockedCsr, float[])} for float64 operands. */
    public void toStorage(double[] magnitudes, double[] gains, BlockedCsr layout, double[] out) {
        for (int s = 0; s < out.length; s++) {
            int p = layout.csrPosition(s);
            double v = magnitudes[p] * sign[p];
            out[s] = pair == null ? v : v * gains[pair[p]];
        }
    }

    /**
     * {@link #backward} from the effective weights' cotangent in a kernel layout's storage order (as the per-synapse
     * gradient pass accumulates it), without a CSR-order copy of it.
     */
    public void backwardFromStorage(double[] effectiveGrad, BlockedCsr layout, double[] magnitudes, double[] gains,
                                    double[] magnitudeGrad, double[] gainGrad) {
        if (gainGrad != null) {
            Arrays.fill(gainGrad, 0);
        }
        for (int s = 0; s < effectiveGrad.length; s++) {
            int p = layout.csrPosition(s);
            double gs = effectiveGrad[s] * sign[p];
            if (magnitudeGrad != null) {
                magnitudeGrad[p] = pair == null ? gs : gs * gains[pair[p]];
            }
            if (gainGrad != null && pair != null) {
                gainGrad[pair[p]] += gs * magnitudes[p];
            }
        }
    }

    /** The sign s of every synapse in CSR order (a copy). */
    public double[] signs() {
        double[] out = new double[sign.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = sign[k];
        }
        return out;
    }

    /**
     * The index of every synapse's gain in the K×K gains, post type · K + pre type, in CSR order (a copy), or null
     * without type-pair gains.
     */
    public int[] gainIndices() {
        return pair == null ? null : pair.clone();
    }

    /** out = W ⊙ s ⊙ G[pair]; gains is ignored (may be null) without type-pair gains. */
    public void compute(double[] magnitudes, double[] gains, double[] out) {
        for (int s = 0; s < out.length; s++) {
            double v = magnitudes[s] * sign[s];
            out[s] = pair == null ? v : v * gains[pair[s]];
        }
    }

    /**
     * Back-propagates the cotangent of the effective weights.
     *
     * @param magnitudeGrad receives dL/dW (overwritten), or null if not needed
     * @param gainGrad      receives dL/dG (overwritten), or null if not needed
     */
    public void backward(double[] effectiveGrad, double[] magnitudes, double[] gains, double[] magnitudeGrad,
                         double[] gainGrad) {
        if (gainGrad != null) {
            Arrays.fill(gainGrad, 0);
        }
        for (int s = 0; s < effectiveGrad.length; s++) {
            double gs = effectiveGrad[s] * sign[s];
            if (magnitudeGrad != null) {
                magnitudeGrad[s] = pair == null ? gs : gs * gains[pair[s]];
            }
            if (gainGrad != null && pair != null) {
                gainGrad[pair[s]] += gs * magnitudes[s];
            }
        }
    }
}
