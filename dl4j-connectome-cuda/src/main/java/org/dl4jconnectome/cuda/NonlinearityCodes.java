package org.dl4jconnectome.cuda;

import org.dl4jconnectome.connectome.Nonlinearity;

/** The kernels' code of every {@link Nonlinearity} (phi_value in connectome.cu). */
final class NonlinearityCodes {
    private NonlinearityCodes() {
    }

    /** @throws IllegalArgumentException for a nonlinearity the kernels do not implement */
    static byte code(Nonlinearity phi) {
        switch (phi) {
            case SIGMOID:
                return 0;
            case TANH:
                return 1;
            case RELU:
                return 2;
            case SOFTPLUS:
                return 3;
            case IDENTITY:
                return 4;
            case ELU:
                return 5;
            case SILU:
                return 6;
            default:
                throw new IllegalArgumentException("the CUDA kernels have no nonlinearity " + phi);
        }
    }
}
