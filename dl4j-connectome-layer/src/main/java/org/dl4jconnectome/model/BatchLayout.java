package org.dl4jconnectome.model;

/**
 * The one place where DL4J's sample-major layouts meet the solvers' batch-innermost one (state or feature i of
 * sample b at {@code i · B + b}, so that one synapse serves all B samples with one vector load).
 */
public final class BatchLayout {
    private BatchLayout() {
    }

    /**
     * A C-order input [B, I, T] (T = 1: [B, I]) as T segments of I×B batch-innermost values.
     *
     * @param out reused when it has the right shape, else reallocated
     */
    public static double[][] segments(double[] x, int batch, int inputs, int t, double[][] out) {
        if (x.length != (long) batch * inputs * t) {
            throw new IllegalArgumentException("the input has " + x.length + " values, expected B x I x T = " + batch
                    + " x " + inputs + " x " + t);
        }
        double[][] seg = out != null && out.length == t && out[0].length == inputs * batch ? out
                : new double[t][inputs * batch];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < inputs; k++) {
                int base = (b * inputs + k) * t;
                for (int s = 0; s < t; s++) {
                    seg[s][k * batch + b] = x[base + s];
                }
            }
        }
        return seg;
    }

    /** The reverse of {@link #segments}: T segments of I×B values into a C-order [B, I, T] array. */
    public static void fromSegments(double[][] seg, int batch, int inputs, double[] out) {
        int t = seg.length;
        for (int s = 0; s < t; s++) {
            double[] g = seg[s];
            for (int k = 0; k < inputs; k++) {
                for (int b = 0; b < batch; b++) {
                    out[(b * inputs + k) * t + s] = g[k * batch + b];
                }
            }
        }
    }

    /** A C-order [B, N] array in batch-innermost order. */
    public static void toBatchInnermost(double[] x, int batch, int n, double[] out) {
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < n; i++) {
                out[i * batch + b] = x[b * n + i];
            }
        }
    }

    /** A batch-innermost array as C-order [B, N]. */
    public static void fromBatchInnermost(double[] x, int batch, int n, double[] out) {
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < n; i++) {
                out[b * n + i] = x[i * batch + b];
            }
        }
    }
}
