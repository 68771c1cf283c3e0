package org.dl4jconnectome.layer;

/** Checks on the DL4J wrapper layers around a {@link ConnectomeOdeLayer}. */
final class Wrappers {
    private static final String BIDIRECTIONAL = "org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional";

    private Wrappers() {
    }

    /**
     * DL4J's {@code Bidirectional} gives its wrapped configuration no mark of its own (it copies the layer and calls
     * it), so the wrapper is recognised on the call stack of configuration and instantiation, which it drives.
     *
     * @throws IllegalArgumentException when called on behalf of {@code Bidirectional}
     */
    static void rejectBidirectional(String who) {
        boolean wrapped = StackWalker.getInstance().walk(frames -> frames.limit(12)
                .anyMatch(f -> f.getClassName().equals(BIDIRECTIONAL)));
        if (wrapped) {
            throw new IllegalArgumentException(who + " cannot be wrapped in Bidirectional: its backward copy would "
                    + "integrate the ODE from t1 back to t0 over the reversed input, a different model with no "
                    + "meaning for a connectome (and unstable: the leak -h/tau grows in reverse time); use the layer "
                    + "alone, or two layers on the original and on a reversed input");
        }
    }
}
