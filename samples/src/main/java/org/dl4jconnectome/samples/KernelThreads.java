package org.dl4jconnectome.samples;

import org.dl4jconnectome.kernels.Parallel;

/** The {@code --threads} option of simulate and bench. */
final class KernelThreads {
    private KernelThreads() {
    }

    /** Checks {@code --threads} against the kernels' bound and, when it was given, sets their thread count. */
    static void apply(Integer threads) {
        if (threads == null) {
            return;
        }
        if (threads < 1 || threads > Parallel.maxThreads()) {
            throw CliError.usage("--threads " + threads + ": expected 1.." + Parallel.maxThreads() + " (at most "
                    + Parallel.PER_PROCESSOR + " per processor; this machine has "
                    + Runtime.getRuntime().availableProcessors() + ")");
        }
        Parallel.setThreads(threads);
    }
}
