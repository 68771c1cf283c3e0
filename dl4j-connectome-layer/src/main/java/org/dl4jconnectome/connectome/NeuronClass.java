package org.dl4jconnectome.connectome;

import java.util.Locale;

/** The synapse sign of a neuron type under Dale's law: every synapse a neuron sends has its type's sign. */
public enum NeuronClass {
    EXCITATORY(1.0),
    INHIBITORY(-1.0);

    private final double sign;

    NeuronClass(double sign) {
        this.sign = sign;
    }

    /** +1 for excitatory, −1 for inhibitory. */
    public double sign() {
        return sign;
    }

    /**
     * Parses "excitatory" / "inhibitory" (any case; "e", "i", "exc", "inh" also accepted), as bioplnn's
     * {@code neuron_type_class} does.
     *
     * @throws IllegalArgumentException for any other value, naming it
     */
    public static NeuronClass parse(String name) {
        if (name != null) {
            switch (name.trim().toLowerCase(Locale.ROOT)) {
                case "excitatory":
                case "exc":
                case "e":
                    return EXCITATORY;
                case "inhibitory":
                case "inh":
                case "i":
                    return INHIBITORY;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("unknown neuron class '" + name + "': expected excitatory or inhibitory");
    }
}
