package org.dl4jconnectome.layer;

/** Whether the time constant τ is one parameter per neuron type or one per neuron. */
public enum TauMode {
    /** One τ per neuron type, shared by its neurons (bioplnn's {@code per_neuron_type}). */
    PER_TYPE,
    /** One τ per neuron, initialised from its type's τ (bioplnn's {@code per_neuron}). */
    PER_NEURON
}
