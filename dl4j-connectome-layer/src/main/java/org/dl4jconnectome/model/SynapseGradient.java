package org.dl4jconnectome.model;

import org.dl4jconnectome.kernels.SparseKernels;

import java.util.Arrays;

/**
 * The gradient of the effective synapse weights, Σ_stages Σ_b z̄[post, b]·y[pre, b], batched over the stages of a
 * step: each stage's (z̄, y) rows are kept side by side, and one pass over the synapses per step (six stages for
 * Dopri5 and Tsit5) accumulates them, instead of one pass per stage. Accumulates in float64 whatever the states'
 * precision.
 */
final class SynapseGradient {
    /** Stages kept before a pass over the synapses. */
    static final int STAGE_CAPACITY = 6;

    private final ConnectomeOperator op;
    private final SparseKernels kernels;
    private double[] acc;
    private boolean single;
    private int batch;
    private int pending;
    private float[] gF;
    private float[] yF;
    private double[] gD;
    private double[] yD;

    SynapseGradient(ConnectomeOperator op, SparseKernels kernels) {
        this.op = op;
        this.kernels = kernels;
    }

    void allocate(int batchSize, boolean singlePrecision) {
        this.batch = batchSize;
        this.single = singlePrecision;
        int len = op.size() * batchSize * STAGE_CAPACITY;
        gF = singlePrecision ? new float[len] : null;
        yF = singlePrecision ? new float[len] : null;
        gD = singlePrecision ? null : new double[len];
        yD = singlePrecision ? null : new double[len];
        pending = 0;
    }

    void reset() {
        if (acc == null) {
            acc = new double[op.numSynapses()];
        } else {
            Arrays.fill(acc, 0);
        }
        pending = 0;
    }

    /** The slot of the next stage, after a pass over the synapses if the batch is full. */
    int beginStage() {
        if (pending == STAGE_CAPACITY) {
            flush();
        }
        return pending++;
    }

    /** Keeps row r of a stage's z̄ and y (float32). */
    void store(int slot, int r, float[] zBar, float[] y) {
        int src = r * batch;
        int dst = r * batch * STAGE_CAPACITY + slot * batch;
        System.arraycopy(zBar, src, gF, dst, batch);
        System.arraycopy(y, src, yF, dst, batch);
    }

    /** Keeps row r of a stage's z̄ and y (float64). */
    void store(int slot, int r, double[] zBar, double[] y) {
        int src = r * batch;
        int dst = r * batch * STAGE_CAPACITY + slot * batch;
        System.arraycopy(zBar, src, gD, dst, batch);
        System.arraycopy(y, src, yD, dst, batch);
    }

    /** Accumulates the kept stages. */
    void flush() {
        if (pending == 0) {
            return;
        }
        int stride = STAGE_CAPACITY * batch;
        if (single) {
            kernels.accumulateOuter(op.outer(), gF, yF, acc, stride, pending * batch);
        } else {
            kernels.accumulateOuter(op.outer(), gD, yD, acc, stride, pending * batch);
        }
        pending = 0;
    }

    /** The accumulated gradient, in the storage order of the operator's {@code outer()} layout. */
    double[] accumulated() {
        flush();
        return acc;
    }
}
