package org.dl4jconnectome.ode;

/**
 * The operations the solvers need on the states of a batch, whatever holds them: Java arrays in float64 or float32,
 * or a GPU's memory. A handle V is one batch of states, B samples of {@link #size()} values each; the solvers never
 * look inside it. Writing a solver against these operations once makes a new backend a matter of implementing this
 * interface and a {@link VectorField} for it.
 * <p>
 * Per-sample arguments: weights {@code w[j][b]} are sample b's own (a step size of zero leaves a sample unchanged,
 * which is how a finished sample sits out the steps of the others), {@code samples[b]} selects the columns an
 * operation touches.
 *
 * @param <V> the handle type of one batch of states
 */
public interface StateBackend<V> {

    /** States per sample. */
    int size();

    /** Samples B. */
    int batch();

    /** A new batch of states, all zero. */
    V allocate();

    /** A new array for {@code length} handles (Java cannot create a generic array itself). */
    V[] handleArray(int length);

    /** dst = src. */
    void copy(V src, V dst);

    /** dst[:, b] = src[:, b] for the selected samples. */
    void copySamples(V src, V dst, boolean[] samples);

    /** Every state of dst = value. */
    void fill(V dst, double value);

    /**
     * dst[:, b] = src[:, b] + Σ_{j &lt; count} w[j][b] · k[j][:, b] (src null: 0), for the selected samples; the other
     * columns of dst are left as they are. dst may be src.
     *
     * @param samples the samples to write, or null for all
     * @param finite  receives, per written sample, whether every value written is finite (null: not checked)
     */
    void combine(V dst, V src, double[][] w, V[] k, int count, boolean[] samples, boolean[] finite);

    /** dst[j][:, b] += w[j][b] · x[:, b] for every j &lt; count and every sample: one read of x for all targets. */
    void spread(V x, double[][] w, V[] dst, int count);

    /**
     * The controller's error ratio of every sample: the RMS over its states of
     * h[b]·Σ_j e[j]·k[j] / (atol + rtol·max(|y|, |yNew|)), for the selected samples.
     */
    void errorRatios(V y, V yNew, double[] h, double[] e, V[] k, int count, IntegralController controller,
                     boolean[] samples, double[] ratio);

    /** Per sample, the RMS over its states of x / (atol + rtol·|ref|) (the norms of Hairer's initial step). */
    void scaledRms(V x, V ref, IntegralController controller, double[] rms);

    /**
     * Reads the states of the given rows (neurons) of the selected samples into a host array in DL4J's layout
     * [B, rows, points] at time index {@code point}: {@code out[(b · rows.length + o) · points + point]}.
     *
     * @param samples the samples to read, or null for all
     */
    void readPoint(V state, int[] rows, int point, int points, boolean[] samples, double[] out);

    /** {@link #readPoint(Object, int[], int, int, boolean[], double[])} into a float32 host array. */
    void readPoint(V state, int[] rows, int point, int points, boolean[] samples, float[] out);

    /**
     * The reverse of {@link #readPoint}: adds the host cotangents of time index {@code point}, layout
     * [B, rows, points], into the given rows of {@code state}.
     */
    void addPoint(double[] in, int[] rows, int point, int points, V state);

    /**
     * Completes the reads into host arrays that {@link #readPoint} may leave in flight (a device backend copies its
     * points back in one transfer): the arrays it was given hold their values once this returns. The host backends
     * read at once and do nothing here.
     */
    default void awaitReads() {
    }

    /** The whole batch into a host array, batch-innermost: state i of sample b at {@code i · B + b}. */
    void read(V src, double[] dst);

    /** A host array, batch-innermost, into the batch. */
    void write(double[] src, V dst);
}
