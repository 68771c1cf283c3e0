package org.dl4jconnectome.connectome;

/**
 * What to do with negative entries of a connectome whose values are meant to be synapse magnitudes (W ≥ 0).
 * bioplnn clamps them to 0 silently; here the caller must choose.
 */
public enum NegativeWeightPolicy {
    /** A negative value is an error (the default). */
    REJECT,
    /** Use |w| as the magnitude; the sign comes from the presynaptic type (Dale's law). */
    ABS,
    /** Set negative magnitudes to 0 (bioplnn's behaviour), keeping the synapse in the structure. */
    CLAMP_TO_ZERO,
    /** Keep the sign per synapse (signed-edge mode): magnitude |w|, sign sign(w); no Dale's-law classes needed. */
    SIGNED_EDGES
}
