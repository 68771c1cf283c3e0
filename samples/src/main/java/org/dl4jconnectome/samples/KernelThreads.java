package org.dl4jconnectome.samples;

import org.dl4jconnectome.kernels.Parallel;

/** The {@code --threads} option of simulate and bench. */
final class KernelThreads {
    /** More threads than this many per processor only add switching and memory (every thread has a stack). */
    static final int PER_PROCESSOR = 4;

    private KernelThreads() {
    }

    /** The largest accepted {@code --threads}: {@value #PER_PROCESSOR} per available processor. */
    static int max() {
        return PER_PROCESSOR * Runtime.getRuntime().availableProcessors();
    }

    /** Checks {@code --threads} and, when it was given, sets the kernels' thread count. */
    static void apply(Integer threads) {
        if (threads == null) {
            return;
        }
        if (threads < 1 || threads > max()) {
            throw CliError.usage("--threads " + threads + ": expected 1.." + max() + " (at most " + PER_PROCESSOR
                    + " per processor; this machine has " + Runtime.getRuntime().availableProcessors() + ")");
        }
        Parallel.setThreads(threads);
    }
}
