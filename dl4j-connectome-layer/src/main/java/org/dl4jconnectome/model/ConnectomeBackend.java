package org.dl4jconnectome.model;

import java.util.Locale;

/**
 * Where a {@link ConnectomeIntegrator} runs its solves. The system property {@value #PROPERTY} ({@code auto},
 * {@code cpu} or {@code gpu}, any case) sets the default of every integrator that is not given one.
 */
public enum ConnectomeBackend {
    /** A GPU when a {@link ConnectomeFieldProvider} on the class path finds a usable device, else the CPU. */
    AUTO,
    /** Java arrays and the host's kernels, always available. */
    CPU,
    /** A GPU; an error when none is usable (the message says why). */
    GPU;

    /** The system property that selects the default backend. */
    public static final String PROPERTY = "dl4jconnectome.backend";

    /**
     * The backend named by the system property {@value #PROPERTY}, {@link #AUTO} when it is not set.
     *
     * @throws IllegalArgumentException when the property holds anything but auto, cpu or gpu
     */
    public static ConnectomeBackend fromSystemProperty() {
        return parse(System.getProperty(PROPERTY), "system property " + PROPERTY);
    }

    /**
     * Parses auto, cpu or gpu in any case (null: {@link #AUTO}).
     *
     * @param what names the source of the value in the error message
     * @throws IllegalArgumentException for any other value
     */
    public static ConnectomeBackend parse(String value, String what) {
        if (value == null) {
            return AUTO;
        }
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "auto":
                return AUTO;
            case "cpu":
                return CPU;
            case "gpu":
                return GPU;
            default:
                throw new IllegalArgumentException(what + " = '" + value + "': expected auto, cpu or gpu");
        }
    }
}
