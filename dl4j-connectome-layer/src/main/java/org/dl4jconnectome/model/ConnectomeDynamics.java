package org.dl4jconnectome.model;

import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.kernels.ActivationKernels;
import org.dl4jconnectome.kernels.BlockedCsr;
import org.dl4jconnectome.kernels.Parallel;
import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.ode.DifferentiableVectorField;

import java.util.Arrays;
import java.util.Objects;

/**
 * The vector field of the typed connectome ODE-RNN for a batch of B samples:
 * <pre>
 *   τ_i dh_i/dt = −h_i + ReLU(φ_κ(i)(z_i)),   z = A·h + U·x(segment) + b
 * </pre>
 * with A the signed, effective recurrent weights (rows = receiving neuron), U the input projection, x the input of
 * the sample's current segment, τ per neuron and φ per neuron type. Its record for the reverse pass is z.
 * <p>
 * In single precision the sparse products run on float32 copies of the operands (half the memory traffic); state,
 * nonlinearities and gradient accumulation stay in double. Not thread-safe: one instance per layer.
 */
public final class ConnectomeDynamics implements DifferentiableVectorField {
    /** Stages whose synapse gradients are accumulated in one pass (Dopri5 has six per step). */
    private static final int STAGE_CAPACITY = 6;
    /** Rows handled together by the elementwise passes, so their arrays stay in the core's cache. */
    private static final int CHUNK_ROWS = 256;

    private final int n;
    private final BlockedCsr a;
    private final CsrMatrix aStructure;
    private final int blockWidth;
    private BlockedCsr aT;
    private BlockedCsr outer;
    private final int[] uRowPtr;
    private final int[] uCol;
    private final int numInputs;
    private final int[] typeOf;
    private final Nonlinearity[] typeNonlinearity;
    private final SparseKernels kernels;
    private final ActivationKernels activations;
    private final boolean single;

    private int batch;
    private double[] effCsr;
    private float[] effF;
    private double[] effD;
    private float[] effTF;
    private double[] effTD;
    private boolean transposedStale = true;
    private double[] tau;
    private double[] bias;
    private double[] uVal;
    private double[][] input;

    private double[] gEffOuter;
    private int pending;
    private float[] gBufF;
    private float[] yBufF;
    private double[] gBufD;
    private double[] yBufD;
    private double[] gBias;
    private double[] gTau;
    private double[] gU;
    private double[][] gInput;

    private double[] zScratch;
    private double[] act;
    private double[] slope;
    private double[] zBar;
    private double[] tmp;
    private float[] xF;
    private float[] yF;

    /**
     * @param recurrent        structure of A (N×N, rows = receiving neuron); its values are ignored
     * @param inputProjection  structure of U (N×I); its values are ignored
     * @param typeOf           type of every neuron
     * @param typeNonlinearity φ per type
     * @param kernels          the sparse kernels to use
     * @param singlePrecision  run the sparse products in float32
     * @param blockWidth       column block width of the structures for products (see {@link BlockedCsr})
     */
    public ConnectomeDynamics(CsrMatrix recurrent, CsrMatrix inputProjection, int[] typeOf,
                              Nonlinearity[] typeNonlinearity, SparseKernels kernels, boolean singlePrecision,
                              int blockWidth) {
        this.n = recurrent.rows();
        if (recurrent.cols() != n || inputProjection.rows() != n || typeOf.length != n) {
            throw new IllegalArgumentException("inconsistent sizes: recurrent " + recurrent.rows() + "x"
                    + recurrent.cols() + ", input projection " + inputProjection.rows() + "x" + inputProjection.cols()
                    + ", " + typeOf.length + " neuron types");
        }
        this.aStructure = recurrent;
        // Double operands take twice the cache per column.
        this.blockWidth = singlePrecision ? blockWidth : Math.max(1, blockWidth / 2);
        this.a = BlockedCsr.of(n, n, recurrent.rowPointers(), recurrent.columnIndices(), this.blockWidth,
                Parallel.threads());
        this.uRowPtr = inputProjection.rowPointers();
        this.uCol = inputProjection.columnIndices();
        this.numInputs = inputProjection.cols();
        this.typeOf = typeOf.clone();
        this.typeNonlinearity = typeNonlinearity.clone();
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        this.activations = ActivationKernels.matching(kernels);
        this.single = singlePrecision;
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public int recordLength() {
        return n * batch;
    }

    /** The kernels in use. */
    public SparseKernels kernels() {
        return kernels;
    }

    /**
     * Sets the parameters of the next evaluations.
     *
     * @param effectiveWeights signed effective weights of A in CSR order
     * @param tauPerNeuron     τ of every neuron (each &gt; 0)
     * @param bias             b per neuron
     * @param inputWeights     values of U in CSR order
     */
    public void setParameters(double[] effectiveWeights, double[] tauPerNeuron, double[] bias,
                              double[] inputWeights) {
        check("effectiveWeights", effectiveWeights.length, a.nnz());
        check("tauPerNeuron", tauPerNeuron.length, n);
        check("bias", bias.length, n);
        check("inputWeights", inputWeights.length, uCol.length);
        for (int i = 0; i < n; i++) {
            if (!(tauPerNeuron[i] > 0) || !Double.isFinite(tauPerNeuron[i])) {
                throw new IllegalArgumentException("tau of neuron " + i + " is " + tauPerNeuron[i]
                        + ": expected a finite time constant > 0");
            }
        }
        this.effCsr = effectiveWeights;
        if (single) {
            effF = effF == null ? new float[a.nnz()] : effF;
            a.toStorageOrder(effectiveWeights, effF);
        } else {
            effD = effD == null ? new double[a.nnz()] : effD;
            a.toStorageOrder(effectiveWeights, effD);
        }
        transposedStale = true;
        this.tau = tauPerNeuron;
        this.bias = bias;
        this.uVal = inputWeights;
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
            check("input segment " + s, segments[s].length, numInputs * batchSize);
        }
        this.input = segments;
        if (batchSize != batch) {
            batch = batchSize;
            int len = n * batchSize;
            zScratch = new double[len];
            act = new double[len];
            slope = new double[len];
            zBar = new double[len];
            tmp = new double[len];
            xF = single ? new float[len] : null;
            yF = single ? new float[len] : null;
            int buffered = len * STAGE_CAPACITY;
            gBufF = single ? new float[buffered] : null;
            yBufF = single ? new float[buffered] : null;
            gBufD = single ? null : new double[buffered];
            yBufD = single ? null : new double[buffered];
            pending = 0;
        }
    }

    /** Zeroes the gradient accumulators (sized for the current input). */
    public void resetGradients() {
        gEffOuter = zeroed(gEffOuter, a.nnz());
        pending = 0;
        gBias = zeroed(gBias, n);
        gTau = zeroed(gTau, n);
        gU = zeroed(gU, uCol.length);
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

    @Override
    public void evaluate(int[] segment, double[] y, double[] out, double[] record) {
        double[] z = record != null ? record : zScratch;
        if (single) {
            toFloat(y, xF);
            kernels.multiply(a, effF, xF, yF, batch);
        } else {
            kernels.multiply(a, effD, y, z, batch);
        }
        // Chunks of rows: add bias and input drive to A·y (still in yF for float32), apply the nonlinearity per run of
        // rows of one type, and form (σ(z) − y)/τ while the chunk is in cache.
        Parallel.forRange(n, (lo, hi) -> {
            int bs = batch;
            for (int c0 = lo; c0 < hi; c0 += CHUNK_ROWS) {
                int c1 = Math.min(hi, c0 + CHUNK_ROWS);
                for (int r = c0; r < c1; r++) {
                    int o = r * bs;
                    for (int b = 0; b < bs; b++) {
                        z[o + b] = (single ? yF[o + b] : z[o + b]) + bias[r];
                    }
                    for (int k = uRowPtr[r]; k < uRowPtr[r + 1]; k++) {
                        double w = uVal[k];
                        int c = uCol[k] * bs;
                        for (int b = 0; b < bs; b++) {
                            z[o + b] += w * input[segment[b]][c + b];
                        }
                    }
                }
                for (int r = c0; r < c1; ) {
                    int end = runEnd(r, c1);
                    activations.rectified(typeNonlinearity[typeOf[r]], z, act, r * bs, end * bs);
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

    /** End of the run of rows of row r's type, within [r, limit). */
    private int runEnd(int r, int limit) {
        int t = typeOf[r];
        int end = r + 1;
        while (end < limit && typeOf[end] == t) {
            end++;
        }
        return end;
    }

    /**
     * One pass computes z̄ = (ȳ_out/τ)·σ'(z), the τ and bias cotangents and −ȳ_out/τ, and keeps (z̄, y) side by side
     * with the other stages of the step: their synapse cotangents Σ_stages Σ_b z̄[post, b]·y[pre, b] then cost one
     * pass over the synapses per step ({@link #endOfStep}) instead of one per stage.
     */
    @Override
    public void vjp(int[] segment, double[] y, double[] record, double[] outBar, double[] yBar) {
        double[] z = record;
        if (pending == STAGE_CAPACITY) {
            endOfStep();
        }
        ensureTransposed();
        int bs = batch;
        int stride = STAGE_CAPACITY * bs;
        int slot = pending * bs;
        Parallel.forRange(n, (lo, hi) -> {
            for (int c0 = lo; c0 < hi; c0 += CHUNK_ROWS) {
                int c1 = Math.min(hi, c0 + CHUNK_ROWS);
                for (int r = c0; r < c1; ) {
                    int end = runEnd(r, c1);
                    activations.rectifiedWithSlope(typeNonlinearity[typeOf[r]], z, act, slope, r * bs, end * bs);
                    r = end;
                }
                for (int r = c0; r < c1; r++) {
                    double invTau = 1.0 / tau[r];
                    int o = r * bs;
                    int buf = r * stride + slot;
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
                        if (single) {
                            xF[e] = (float) zb;
                            gBufF[buf + b] = (float) zb;
                            yBufF[buf + b] = (float) y[e];
                        } else {
                            gBufD[buf + b] = zb;
                            yBufD[buf + b] = y[e];
                        }
                    }
                    gTau[r] += tauAcc;
                    gBias[r] += biasAcc;
                }
            }
        });
        pending++;
        // U's columns can be shared between rows, so its scatter into the input gradient stays sequential.
        for (int r = 0; r < n; r++) {
            int o = r * bs;
            for (int k = uRowPtr[r]; k < uRowPtr[r + 1]; k++) {
                double w = uVal[k];
                int c = uCol[k] * bs;
                double acc = 0;
                for (int b = 0; b < bs; b++) {
                    double zb = zBar[o + b];
                    acc += zb * input[segment[b]][c + b];
                    gInput[segment[b]][c + b] += w * zb;
                }
                gU[k] += acc;
            }
        }
        double[] sum;
        if (single) {
            kernels.multiply(aT, effTF, xF, yF, bs);
            sum = null;
        } else {
            kernels.multiply(aT, effTD, zBar, tmp, bs);
            sum = tmp;
        }
        Parallel.forRange(yBar.length, (lo, hi) -> {
            for (int e = lo; e < hi; e++) {
                yBar[e] += sum == null ? yF[e] : sum[e];
            }
        });
    }

    @Override
    public void endOfStep() {
        if (pending == 0) {
            return;
        }
        if (outer == null) {
            // Gathers read STAGE_CAPACITY·B values per presynaptic neuron: narrower blocks keep them in cache.
            outer = BlockedCsr.of(n, n, aStructure.rowPointers(), aStructure.columnIndices(),
                    Math.max(256, blockWidth / 8), Parallel.threads());
        }
        int stride = STAGE_CAPACITY * batch;
        if (single) {
            kernels.accumulateOuter(outer, gBufF, yBufF, gEffOuter, stride, pending * batch);
        } else {
            kernels.accumulateOuter(outer, gBufD, yBufD, gEffOuter, stride, pending * batch);
        }
        pending = 0;
    }

    private static void toFloat(double[] src, float[] dst) {
        Parallel.forRange(src.length, (lo, hi) -> {
            for (int e = lo; e < hi; e++) {
                dst[e] = (float) src[e];
            }
        });
    }

    private void ensureTransposed() {
        if (aT == null) {
            aT = BlockedCsr.transposeOf(n, n, aStructure.rowPointers(), aStructure.columnIndices(), blockWidth,
                    Parallel.threads());
        }
        if (transposedStale) {
            if (single) {
                effTF = effTF == null ? new float[aT.nnz()] : effTF;
                aT.toStorageOrder(effCsr, effTF);
            } else {
                effTD = effTD == null ? new double[aT.nnz()] : effTD;
                aT.toStorageOrder(effCsr, effTD);
            }
            transposedStale = false;
        }
    }

    /** Cotangent of the effective weights, in CSR order (written into {@code out}). */
    public void effectiveWeightGradient(double[] out) {
        check("out", out.length, a.nnz());
        endOfStep();
        if (outer == null) {
            Arrays.fill(out, 0);
        } else {
            outer.toCsrOrder(gEffOuter, out);
        }
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

    private static void check(String name, int length, int expected) {
        if (length != expected) {
            throw new IllegalArgumentException(name + " has " + length + " entries, expected " + expected);
        }
    }
}
