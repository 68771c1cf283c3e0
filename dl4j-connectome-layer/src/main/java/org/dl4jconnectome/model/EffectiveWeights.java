package org.dl4jconnectome.model;

import org.dl4jconnectome.connectome.Connectome;

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
    private final double[] sign;
    private final int[] pair;
    private final int numPairs;

    /**
     * @param connectome    structure, types and signs
     * @param allExcitatory ignore signs (bioplnn's tutorial-era behaviour, every synapse excitatory)
     * @param typePairGains multiply by a gain per (postsynaptic type, presynaptic type) pair
     */
    public EffectiveWeights(Connectome connectome, boolean allExcitatory, boolean typePairGains) {
        this.sign = connectome.synapseSigns();
        if (allExcitatory) {
            Arrays.fill(sign, 1.0);
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

    /** The sign s of every synapse in CSR order (a copy). */
    public double[] signs() {
        return sign.clone();
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
