package org.dl4jconnectome.model;

import org.dl4jconnectome.kernels.ActivationKernels;
import org.dl4jconnectome.kernels.DoubleStates;
import org.dl4jconnectome.kernels.FloatStates;
import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.ode.DifferentiableVectorField;
import org.dl4jconnectome.ode.StateBackend;

import java.util.Arrays;
import java.util.Objects;

/**
 * The vector field of the typed connectome ODE-RNN for a batch of B samples, on host states:
 * <pre>
 *   τ_i dh_i/dt = −h_i + ReLU(φ_κ(i)(z_i)),   z = A·h + d(segment),   d = U·x(segment) + b
 * </pre>
 * with A the signed, effective recurrent weights (rows = receiving neuron), U the input projection, x the input of
 * the sample's current segment, τ per neuron and φ per neuron type. Its record for the reverse pass is z.
 * <p>
 * The input drive d of a segment is computed once per segment change, not per evaluation. The reverse pass
 * accumulates the synapse gradients of the stages of one step in one pass over the synapses
 * ({@link SynapseGradient}). {@link #float64} works on {@code double[]} states, {@link #float32} on {@code float[]}
 * (products, states and tape in float32; parameter gradients always accumulate in float64).
 * <p>
 * Not thread-safe: one instance per solve context; the {@link ConnectomeOperator} is shared.
 *
 * @param <V> the state handle: {@code double[]} or {@code float[]}
 */
public abstract class ConnectomeDynamics<V> implements DifferentiableVectorField<V> {
    /** Rows handled together by the elementwise passes, so their arrays stay in the core's cache. */
    static final int CHUNK_ROWS = 256;

    final ConnectomeOperator op;
    final SparseKernels kernels;
    final ActivationKernels activations;
    final int n;
    int batch;

    double[] tau;
    double[] bias;
    double[] uVal;
    double[][] input;
    /** The input segment each column of the drive holds (−1: none). */
    int[] driveSegment = new int[0];
    EffectiveWeights weights;
    double[] magnitudes;
    double[] gains;
    boolean transposedStale = true;

    final SynapseGradient synapseGradient;
    double[] gTau;
    double[] gBias;
    double[] gU;
    double[][] gInput;

    ConnectomeDynamics(ConnectomeOperator op, SparseKernels kernels) {
        this.op = Objects.requireNonNull(op, "op");
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        this.activations = kernels.activations();
        this.n = op.size();
        this.synapseGradient = new SynapseGradient(op, kernels);
    }

    /** The field with float64 states. */
    public static ConnectomeDynamics<double[]> float64(ConnectomeOperator op, SparseKernels kernels) {
        return new DoubleDynamics(op, kernels);
    }

    /** The field with float32 states (for float32 networks). */
    public static ConnectomeDynamics<float[]> float32(ConnectomeOperator op, SparseKernels kernels) {
        return new FloatDynamics(op, kernels);
    }

    /** The host backend of this field's states for the current batch. */
    public abstract StateBackend<V> states();

    public int size() {
        return n;
    }

    public int batch() {
        return batch;
    }

    /** The kernels in use. */
    public SparseKernels kernels() {
        return kernels;
    }

    /**
     * Sets the parameters of the next evaluations (kept by reference until the next call).
     *
     * @param weights      the map from synapse parameters to effective weights
     * @param magnitudes   synapse magnitudes W in CSR order
     * @param gains        type-pair gains, or null without them
     * @param tauPerNeuron τ of every neuron (each &gt; 0)
     * @param bias         b per neuron
     * @param inputWeights values of U in CSR order
     */
    public void setParameters(EffectiveWeights weights, double[] magnitudes, double[] gains, double[] tauPerNeuron,
                              double[] bias, double[] inputWeights) {
        check("magnitudes", magnitudes.length, op.numSynapses());
        check("tauPerNeuron", tauPerNeuron.length, n);
        check("bias", bias.length, n);
        check("inputWeights", inputWeights.length, op.numInputWeights());
        for (int i = 0; i < n; i++) {
            if (!(tauPerNeuron[i] > 0) || !Double.isFinite(tauPerNeuron[i])) {
                throw new IllegalArgumentException("tau of neuron " + i + " is " + tauPerNeuron[i]
                        + ": expected a finite time constant > 0");
            }
        }
        this.weights = weights;
        this.magnitudes = magnitudes;
        this.gains = gains;
        storeForwardValues();
        transposedStale = true;
        this.tau = tauPerNeuron;
        this.bias = bias;
        this.uVal = inputWeights;
        Arrays.fill(driveSegment, -1);
    }

    /**
     * Sets the input: segments[s] is the I×B input of segment s, batch-innermost (feature k of sample b at
     * {@code k * B + b}).
     */
    public void setInput(double[][] segments, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch = " + batchSize + ": expected at least 1");
        }
        if (segments.length < 1) {
            throw new IllegalArgumentException("the input has no segments: expected at least one");
        }
        for (int s = 0; s < segments.length; s++) {
            check("input segment " + s, segments[s].length, op.numInputs() * batchSize);
        }
        this.input = segments;
        if (batchSize != batch) {
            batch = batchSize;
            driveSegment = new int[batchSize];
            allocate(batchSize);
            synapseGradient.allocate(batchSize, singlePrecision());
        }
        Arrays.fill(driveSegment, -1);
    }

    abstract boolean singlePrecision();

    abstract void allocate(int batchSize);

    /** The effective weights into the forward layout's storage order, in the states' precision. */
    abstract void storeForwardValues();

    /** Zeroes the gradient accumulators (sized for the current input). */
    public void resetGradients() {
        synapseGradient.reset();
        gBias = zeroed(gBias, n);
        gTau = zeroed(gTau, n);
        gU = zeroed(gU, op.numInputWeights());
        if (gInput == null || gInput.length != input.length || gInput[0].length != input[0].length) {
            gInput = new double[input.length][input[0].length];
        } else {
            for (double[] g : gInput) {
                Arrays.fill(g, 0);
            }
        }
    }

    private static double[] zeroed(double[] a, int len) {
        if (a == null || a.length != len) {
            return new double[len];
        }
        Arrays.fill(a, 0);
        return a;
    }

    /** Brings every column of the drive to its sample's segment. */
    final void updateDrive(int[] segment) {
        for (int b = 0; b < batch; b++) {
            if (driveSegment[b] != segment[b]) {
                writeDriveColumn(b, input[segment[b]]);
                driveSegment[b] = segment[b];
            }
        }
    }

    /** drive[r, b] = b_r + Σ_k U_rk x[k, b]. */
    abstract void writeDriveColumn(int b, double[] x);

    /** U's entries as an explicit sum, for writeDriveColumn: b_r + Σ_k U_rk x[k·B + b]. */
    final double driveOf(int r, int b, double[] x) {
        int[] rowPtr = op.inputRowPointers();
        int[] col = op.inputColumns();
        double acc = bias[r];
        for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
            acc += uVal[k] * x[col[k] * batch + b];
        }
        return acc;
    }

    @Override
    public void endOfStep() {
        synapseGradient.flush();
    }

    /**
     * The cotangents of U's values and of the input from one stage's z̄ (read through {@code zBar(e)}): U's columns can
     * be shared between rows, so this scatter stays sequential; it touches only U's few entries.
     */
    final void inputGradients(int[] segment, ZBar zBar) {
        int[] rowPtr = op.inputRowPointers();
        int[] col = op.inputColumns();
        int bs = batch;
        for (int r = 0; r < n; r++) {
            int o = r * bs;
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                double w = uVal[k];
                int c = col[k] * bs;
                double acc = 0;
                for (int b = 0; b < bs; b++) {
                    double zb = zBar.at(o + b);
                    acc += zb * input[segment[b]][c + b];
                    gInput[segment[b]][c + b] += w * zb;
                }
                gU[k] += acc;
            }
        }
    }

    /** Element access to a typed z̄ array. */
    @FunctionalInterface
    interface ZBar {
        double at(int e);
    }

    /**
     * dL/dW (CSR order) and dL/dG from the accumulated effective-weight cotangent.
     *
     * @param magnitudeGrad receives dL/dW (overwritten)
     * @param gainGrad      receives dL/dG (overwritten), or null without type-pair gains
     */
    public void synapseGradients(double[] magnitudeGrad, double[] gainGrad) {
        check("magnitudeGrad", magnitudeGrad.length, op.numSynapses());
        weights.backwardFromStorage(synapseGradient.accumulated(), op.outer(), magnitudes, gains, magnitudeGrad,
                gainGrad);
    }

    /** Cotangent of τ per neuron (a live view, valid until the next reset). */
    public double[] tauGradient() {
        return gTau;
    }

    public double[] biasGradient() {
        return gBias;
    }

    public double[] inputWeightGradient() {
        return gU;
    }

    /** Cotangent of every input segment, same layout as {@link #setInput}. */
    public double[][] inputGradient() {
        return gInput;
    }

    static void check(String name, int length, int expected) {
        if (length != expected) {
            throw new IllegalArgumentException(name + " has " + length + " entries, expected " + expected);
        }
    }

    /** Float64 states: every array of the pass is a double[]. */
    private static final class DoubleDynamics extends ConnectomeDynamics<double[]> {
        private double[] eff;
        private double[] effT;
        private double[] drive;
        private double[] act;
        private double[] slope;
        private double[] zBar;
        private double[] product;
        private DoubleStates states;

        DoubleDynamics(ConnectomeOperator op, SparseKernels kernels) {
            super(op, kernels);
            this.eff = new double[op.numSynapses()];
        }

        @Override
        boolean singlePrecision() {
            return false;
        }

        @Override
        public StateBackend<double[]> states() {
            return states;
        }

        @Override
        void allocate(int batchSize) {
            int len = n * batchSize;
            drive = new double[len];
            act = new double[len];
            slope = new double[len];
            zBar = new double[len];
            product = new double[len];
            states = new DoubleStates(n, batchSize);
        }

        @Override
        void storeForwardValues() {
            weights.toStorage(magnitudes, gains, op.forward(), eff);
        }

        @Override
        void writeDriveColumn(int b, double[] x) {
            for (int r = 0; r < n; r++) {
                drive[r * batch + b] = driveOf(r, b, x);
            }
        }

        @Override
        public void evaluate(int[] segment, double[] y, double[] out, double[] record) {
            updateDrive(segment);
            double[] z = record != null ? record : product;
            kernels.multiply(op.forward(), eff, y, z, batch);
            // Chunks of rows: add the drive, apply the nonlinearity per run of rows of one type, and form
            // (σ(z) − y)/τ while the chunk is in cache.
            org.dl4jconnectome.kernels.Parallel.forRange(n, (lo, hi) -> {
                int bs = batch;
                for (int c0 = lo; c0 < hi; c0 += CHUNK_ROWS) {
                    int c1 = Math.min(hi, c0 + CHUNK_ROWS);
                    for (int e = c0 * bs; e < c1 * bs; e++) {
                        z[e] += drive[e];
                    }
                    for (int r = c0; r < c1; ) {
                        int end = op.runEnd(r, c1);
                        activations.rectified(op.nonlinearityOfRow(r), z, act, r * bs, end * bs);
                        r = end;
                    }
                    for (int r = c0; r < c1; r++) {
                        double invTau = 1.0 / tau[r];
                        for (int e = r * bs; e < (r + 1) * bs; e++) {
                            out[e] = (act[e] - y[e]) * invTau;
                        }
                    }
                }
            });
        }

        /**
         * One pass computes z̄ = (ȳ_out/τ)·σ'(z), the τ and bias cotangents and −ȳ_out/τ, and hands (z̄, y) to the
         * step's synapse-gradient batch; then ȳ += Aᵀ z̄.
         */
        @Override
        public void vjp(int[] segment, double[] y, double[] record, double[] outBar, double[] yBar) {
            if (transposedStale) {
                if (effT == null) {
                    effT = new double[op.numSynapses()];
                }
                weights.toStorage(magnitudes, gains, op.transposed(), effT);
                transposedStale = false;
            }
            double[] z = record;
            int slot = synapseGradient.beginStage();
            org.dl4jconnectome.kernels.Parallel.forRange(n, (lo, hi) -> {
                int bs = batch;
                for (int c0 = lo; c0 < hi; c0 += CHUNK_ROWS) {
                    int c1 = Math.min(hi, c0 + CHUNK_ROWS);
                    for (int r = c0; r < c1; ) {
                        int end = op.runEnd(r, c1);
                        activations.rectifiedWithSlope(op.nonlinearityOfRow(r), z, act, slope, r * bs, end * bs);
                        r = end;
                    }
                    for (int r = c0; r < c1; r++) {
                        double invTau = 1.0 / tau[r];
                        int o = r * bs;
                        double tauAcc = 0;
                        double biasAcc = 0;
                        for (int b = 0; b < bs; b++) {
                            int e = o + b;
                            double q = outBar[e] * invTau;
                            double k = (act[e] - y[e]) * invTau;
                            tauAcc -= q * k;
                            double zb = q * slope[e];
                            zBar[e] = zb;
                            biasAcc += zb;
                            yBar[e] = -q;
                        }
                        gTau[r] += tauAcc;
                        gBias[r] += biasAcc;
                        synapseGradient.store(slot, r, zBar, y);
                    }
                }
            });
            inputGradients(segment, e -> zBar[e]);
            kernels.multiply(op.transposed(), effT, zBar, product, batch);
            org.dl4jconnectome.kernels.Parallel.forRange(yBar.length, (lo, hi) -> {
                for (int e = lo; e < hi; e++) {
                    yBar[e] += product[e];
                }
            });
        }
    }

    /** Float32 states: the twin of {@link DoubleDynamics} on float[] arrays (activations in float32). */
    private static final class FloatDynamics extends ConnectomeDynamics<float[]> {
        private float[] eff;
        private float[] effT;
        private float[] drive;
        private float[] act;
        private float[] slope;
        private float[] zBar;
        private float[] product;
        private FloatStates states;

        FloatDynamics(ConnectomeOperator op, SparseKernels kernels) {
            super(op, kernels);
            this.eff = new float[op.numSynapses()];
        }

        @Override
        boolean singlePrecision() {
            return true;
        }

        @Override
        public StateBackend<float[]> states() {
            return states;
        }

        @Override
        void allocate(int batchSize) {
            int len = n * batchSize;
            drive = new float[len];
            act = new float[len];
            slope = new float[len];
            zBar = new float[len];
            product = new float[len];
            states = new FloatStates(n, batchSize);
        }

        @Override
        void storeForwardValues() {
            weights.toStorage(magnitudes, gains, op.forward(), eff);
        }

        @Override
        void writeDriveColumn(int b, double[] x) {
            for (int r = 0; r < n; r++) {
                drive[r * batch + b] = (float) driveOf(r, b, x);
            }
        }

        @Override
        public void evaluate(int[] segment, float[] y, float[] out, float[] record) {
            updateDrive(segment);
            float[] z = record != null ? record : product;
            kernels.multiply(op.forward(), eff, y, z, batch);
            org.dl4jconnectome.kernels.Parallel.forRange(n, (lo, hi) -> {
                int bs = batch;
                for (int c0 = lo; c0 < hi; c0 += CHUNK_ROWS) {
                    int c1 = Math.min(hi, c0 + CHUNK_ROWS);
                    for (int e = c0 * bs; e < c1 * bs; e++) {
                        z[e] += drive[e];
                    }
                    for (int r = c0; r < c1; ) {
                        int end = op.runEnd(r, c1);
                        activations.rectified(op.nonlinearityOfRow(r), z, act, r * bs, end * bs);
                        r = end;
                    }
                    for (int r = c0; r < c1; r++) {
                        float invTau = (float) (1.0 / tau[r]);
                        for (int e = r * bs; e < (r + 1) * bs; e++) {
                            out[e] = (act[e] - y[e]) * invTau;
                        }
                    }
                }
            });
        }

        @Override
        public void vjp(int[] segment, float[] y, float[] record, float[] outBar, float[] yBar) {
            if (transposedStale) {
                if (effT == null) {
                    effT = new float[op.numSynapses()];
                }
                weights.toStorage(magnitudes, gains, op.transposed(), effT);
                transposedStale = false;
            }
            float[] z = record;
            int slot = synapseGradient.beginStage();
            org.dl4jconnectome.kernels.Parallel.forRange(n, (lo, hi) -> {
                int bs = batch;
                for (int c0 = lo; c0 < hi; c0 += CHUNK_ROWS) {
                    int c1 = Math.min(hi, c0 + CHUNK_ROWS);
                    for (int r = c0; r < c1; ) {
                        int end = op.runEnd(r, c1);
                        activations.rectifiedWithSlope(op.nonlinearityOfRow(r), z, act, slope, r * bs, end * bs);
                        r = end;
                    }
                    for (int r = c0; r < c1; r++) {
                        double invTau = 1.0 / tau[r];
                        int o = r * bs;
                        double tauAcc = 0;
                        double biasAcc = 0;
                        for (int b = 0; b < bs; b++) {
                            int e = o + b;
                            double q = outBar[e] * invTau;
                            double k = (act[e] - y[e]) * invTau;
                            tauAcc -= q * k;
                            double zb = q * slope[e];
                            zBar[e] = (float) zb;
                            biasAcc += zb;
                            yBar[e] = (float) -q;
                        }
                        gTau[r] += tauAcc;
                        gBias[r] += biasAcc;
                        synapseGradient.store(slot, r, zBar, y);
                    }
                }
            });
            inputGradients(segment, e -> zBar[e]);
            kernels.multiply(op.transposed(), effT, zBar, product, batch);
            org.dl4jconnectome.kernels.Parallel.forRange(yBar.length, (lo, hi) -> {
                for (int e = lo; e < hi; e++) {
                    yBar[e] += product[e];
                }
            });
        }
    }
}
