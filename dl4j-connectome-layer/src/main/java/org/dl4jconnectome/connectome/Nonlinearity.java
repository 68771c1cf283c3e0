package org.dl4jconnectome.connectome;

import java.util.Arrays;
import java.util.Locale;

/**
 * The per-type nonlinearity φ of the model. The model applies ReLU after it (a no-op after sigmoid and softplus),
 * so {@link #rectified} and {@link #rectifiedDerivative} are what the dynamics use.
 */
public enum Nonlinearity {
    SIGMOID {
        @Override
        public double apply(double z) {
            if (z >= 0) {
                return 1.0 / (1.0 + Math.exp(-z));
            }
            double e = Math.exp(z);
            return e / (1.0 + e);
        }

        @Override
        public double derivative(double z) {
            double s = apply(z);
            return s * (1.0 - s);
        }

        @Override
        public double derivative(double z, double value) {
            return value * (1.0 - value);
        }
    },
    TANH {
        @Override
        public double apply(double z) {
            return Math.tanh(z);
        }

        @Override
        public double derivative(double z) {
            double t = Math.tanh(z);
            return 1.0 - t * t;
        }

        @Override
        public double derivative(double z, double value) {
            return 1.0 - value * value;
        }
    },
    RELU {
        @Override
        public double apply(double z) {
            // Math.max keeps NaN (a comparison would map it to 0 and hide it).
            return Math.max(z, 0.0);
        }

        @Override
        public double derivative(double z) {
            return z > 0 ? 1.0 : z <= 0 ? 0.0 : Double.NaN;
        }
    },
    SOFTPLUS {
        @Override
        public double apply(double z) {
            return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
        }

        @Override
        public double derivative(double z) {
            return SIGMOID.apply(z);
        }
    },
    IDENTITY {
        @Override
        public double apply(double z) {
            return z;
        }

        @Override
        public double derivative(double z) {
            return 1.0;
        }
    },
    ELU {
        @Override
        public double apply(double z) {
            return z > 0 ? z : Math.expm1(z);
        }

        @Override
        public double derivative(double z) {
            return z > 0 ? 1.0 : Math.exp(z);
        }

        @Override
        public double derivative(double z, double value) {
            return z > 0 ? 1.0 : value + 1.0;
        }
    },
    SILU {
        @Override
        public double apply(double z) {
            return z * SIGMOID.apply(z);
        }

        @Override
        public double derivative(double z) {
            double s = SIGMOID.apply(z);
            return s * (1.0 + z * (1.0 - s));
        }
    };

    /** φ(z). */
    public abstract double apply(double z);

    /** φ'(z). */
    public abstract double derivative(double z);

    /** φ'(z) given value = φ(z), which spares sigmoid, tanh and ELU an exponential. */
    public double derivative(double z, double value) {
        return derivative(z);
    }

    /** ReLU(φ(z)), the activation the dynamics use; NaN stays NaN, so a non-finite state is never hidden. */
    public double rectified(double z) {
        return Math.max(apply(z), 0.0);
    }

    /** d/dz ReLU(φ(z)) (NaN for a NaN z). */
    public double rectifiedDerivative(double z) {
        double v = apply(z);
        return v > 0 ? derivative(z, v) : v <= 0 ? 0.0 : Double.NaN;
    }

    /**
     * Parses a name in any case, accepting PyTorch's class names as bioplnn does ("Sigmoid", "Tanh", "ReLU",
     * "Softplus", "Identity", "ELU", "SiLU") and "linear" / "none" for the identity.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Nonlinearity parse(String name) {
        if (name != null) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            switch (n) {
                case "linear":
                case "none":
                    return IDENTITY;
                case "swish":
                    return SILU;
                default:
                    for (Nonlinearity v : values()) {
                        if (v.name().toLowerCase(Locale.ROOT).equals(n)) {
                            return v;
                        }
                    }
            }
        }
        throw new IllegalArgumentException("unknown nonlinearity '" + name + "': expected one of "
                + Arrays.toString(values()).toLowerCase(Locale.ROOT));
    }
}
