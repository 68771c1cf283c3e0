package org.dl4jconnectome.kernels;

/** Helpers shared by the host backends {@link DoubleStates} and {@link FloatStates}. */
final class StateChecks {
    private StateChecks() {
    }

    /** Whether every sample has the same weight in each of the first {@code count} rows of w. */
    static boolean uniform(double[][] w, int count, int batch) {
        for (int j = 0; j < count; j++) {
            for (int b = 1; b < batch; b++) {
                if (Double.compare(w[j][b], w[j][0]) != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A reduction over row ranges into per-sample sums. */
    @FunctionalInterface
    interface RowSum {
        void accumulate(int lo, int hi, double[] perSample);
    }

    /**
     * Per-sample sums over all rows, computed in parallel over row ranges; each range has its own partial sums, added
     * in range order, so the result does not depend on thread timing.
     */
    static double[] sumPerSample(int rows, int batch, RowSum body) {
        int parts = Math.max(1, Math.min(Parallel.threads(), rows / 4096 + 1));
        double[][] partial = new double[parts][batch];
        Parallel.forEach(parts, p -> body.accumulate((int) ((long) rows * p / parts),
                (int) ((long) rows * (p + 1) / parts), partial[p]));
        double[] sum = new double[batch];
        for (double[] part : partial) {
            for (int b = 0; b < batch; b++) {
                sum[b] += part[b];
            }
        }
        return sum;
    }
}
