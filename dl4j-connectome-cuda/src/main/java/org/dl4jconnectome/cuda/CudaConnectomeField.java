package org.dl4jconnectome.cuda;

import org.dl4jconnectome.model.ConnectomeField;
import org.dl4jconnectome.model.ConnectomeModel;
import org.dl4jconnectome.model.EffectiveWeights;
import org.dl4jconnectome.ode.StateBackend;

import java.util.Arrays;

/**
 * The connectome ODE-RNN's vector field on a GPU, with its reverse pass: what {@link
 * org.dl4jconnectome.model.ConnectomeIntegrator} runs when the CUDA backend is selected. Same semantics as the host's
 * {@code ConnectomeDynamics} (see the model specification), on {@link CudaStates}:
 * <ul>
 * <li>an evaluation is one kernel: the product A·h, the input drive U·x(segment) + b, the nonlinearity of each row's
 * type with the ReLU, and the leak (the record for the reverse pass is z);</li>
 * <li>a reverse evaluation is two: the elementwise part (z̄, τ and bias cotangents, U's cotangents, ȳ = −q) and
 * ȳ += Aᵀ·z̄ through the transposed CSR; at the end of a step one kernel accumulates the synapse gradient of its
 * six stages and one the input's cotangent;</li>
 * <li>parameters go to the device once per {@link #setParameters} (the effective weights are computed there), the
 * gradients come back once, when asked for.</li>
 * </ul>
 * The stage inputs given to {@link #vjp} must keep their values until {@link #endOfStep()}, as a fixed-step solver's
 * tape does. Not thread-safe: one instance per solve context.
 */
public final class CudaConnectomeField implements ConnectomeField<DeviceArray> {
    private static final int SLOTS = 6;

    private final CudaDevice device;
    private final DeviceModel dm;
    private final EffectiveWeights effectiveWeights;
    private final CudaStream s;
    private final boolean single;
    private final int elementBytes;
    private final int n;
    private final int inputs;
    private final int nnz;

    private final Kernel fieldForward;
    private final Kernel fieldReverse;
    private final Kernel spmm;
    private final Kernel synapseGradient;
    private final Kernel inputGradient;
    private final Kernel effective;
    private final Kernel magnitudeGradient;

    private final DeviceArray magnitudesDev;
    private final DeviceArray eff;
    private final DeviceArray effT;
    private final DeviceArray invTau;
    private final DeviceArray tau;
    private final DeviceArray bias;
    private final DeviceArray inputWeights;
    private DeviceArray gainsDev;
    private double[] magnitudes;
    private double[] gains;
    private boolean parametersSet;

    private int batch;
    private int segments;
    private CudaStates states;
    private DeviceArray input;
    private DeviceArray zBar;

    private DeviceArray synapseAcc;
    private DeviceArray tauAcc;
    private DeviceArray biasAcc;
    private DeviceArray inputWeightAcc;
    private DeviceArray inputAcc;
    private DeviceArray magnitudeGrad;
    private boolean gradientsReset;
    private final long[] slotInputs = new long[SLOTS];
    private int[][] slotSegments = new int[SLOTS][0];
    private int pending;
    private boolean hostGradients;
    private double[] gTau;
    private double[] gBias;
    private double[] gU;
    private double[][] gInput;
    private double[] effectiveGrad;

    CudaConnectomeField(CudaDevice device, ConnectomeModel model) {
        this.device = device;
        device.makeCurrent();
        this.dm = device.model(model);
        this.effectiveWeights = model.effectiveWeights();
        this.s = new CudaStream(device);
        this.single = model.singlePrecision();
        this.elementBytes = single ? 4 : 8;
        this.n = dm.n;
        this.inputs = dm.inputs;
        this.nnz = dm.nnz;
        this.fieldForward = Kernel.of(device, Kernel.typed("field_forward", single));
        this.fieldReverse = Kernel.of(device, Kernel.typed("field_reverse", single));
        this.spmm = Kernel.of(device, Kernel.typed("spmm", single));
        this.synapseGradient = Kernel.of(device, Kernel.typed("synapse_gradient", single));
        this.inputGradient = Kernel.of(device, Kernel.typed("input_gradient", single));
        this.effective = Kernel.of(device, Kernel.typed("effective_weights", single));
        this.magnitudeGradient = Kernel.of(device, "magnitude_gradient");
        this.magnitudesDev = s.pool.allocate(Math.max(1, nnz), 8);
        this.eff = s.pool.allocate(Math.max(1, nnz), elementBytes);
        this.effT = s.pool.allocate(Math.max(1, nnz), elementBytes);
        this.invTau = s.pool.allocate(n, elementBytes);
        this.tau = s.pool.allocate(n, 8);
        this.bias = s.pool.allocate(n, 8);
        this.inputWeights = s.pool.allocate(Math.max(1, dm.inputNnz), 8);
    }

    @Override
    public String backendName() {
        return "cuda (" + device.name + ")";
    }

    @Override
    public StateBackend<DeviceArray> states() {
        return states;
    }

    @Override
    public boolean statesOnHost() {
        return false;
    }

    @Override
    public long stateMemoryLimit() {
        return device.memoryInfo()[0] + s.pool.freeBytes();
    }

    private static void check(String name, int length, int expected) {
        if (length != expected) {
            throw new IllegalArgumentException(name + " has " + length + " entries, expected " + expected);
        }
    }

    @Override
    public void setParameters(double[] magnitudes, double[] gains, double[] tauPerNeuron, double[] bias,
                              double[] inputWeights) {
        check("magnitudes", magnitudes.length, nnz);
        check("tauPerNeuron", tauPerNeuron.length, n);
        check("bias", bias.length, n);
        check("inputWeights", inputWeights.length, dm.inputNnz);
        if (dm.numGains > 0) {
            if (gains == null) {
                throw new IllegalArgumentException("gains is null: the model has type-pair gains, expected "
                        + dm.numGains + " entries");
            }
            check("gains", gains.length, dm.numGains);
        }
        double[] inv = new double[n];
        for (int i = 0; i < n; i++) {
            if (!(tauPerNeuron[i] > 0) || !Double.isFinite(tauPerNeuron[i])) {
                throw new IllegalArgumentException("tau of neuron " + i + " is " + tauPerNeuron[i]
                        + ": expected a finite time constant > 0");
            }
            inv[i] = 1.0 / tauPerNeuron[i];
        }
        device.makeCurrent();
        this.magnitudes = magnitudes;
        this.gains = dm.numGains > 0 ? gains : null;
        if (nnz > 0) {
            s.upload(magnitudesDev, magnitudes);
        }
        if (this.gains != null) {
            if (gainsDev == null) {
                gainsDev = s.pool.allocate(dm.numGains, 8);
            }
            s.upload(gainsDev, gains);
        }
        if (single) {
            s.uploadAsFloat(invTau, inv);
        } else {
            s.upload(invTau, inv);
        }
        s.upload(tau, tauPerNeuron);
        s.upload(this.bias, bias);
        if (dm.inputNnz > 0) {
            s.upload(this.inputWeights, inputWeights);
        }
        if (nnz > 0) {
            s.launch(effective).i32(nnz).ptr(magnitudesDev).ptr(dm.sign).ptr(this.gains == null ? null : dm.gainIndex)
                    .ptr(this.gains == null ? null : gainsDev).ptr(dm.permT).ptr(eff).ptr(effT)
                    .go(LaunchPlan.stridedBlocks(nnz));
        }
        parametersSet = true;
    }

    @Override
    public void setInput(double[][] segments, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch = " + batchSize + ": expected at least 1");
        }
        if (segments.length < 1) {
            throw new IllegalArgumentException("the input has no segments: expected at least one");
        }
        for (int seg = 0; seg < segments.length; seg++) {
            check("input segment " + seg, segments[seg].length, inputs * batchSize);
        }
        device.makeCurrent();
        if (batchSize != batch) {
            batch = batchSize;
            states = new CudaStates(s, n, batchSize, single);
            s.pool.release(zBar);
            zBar = s.pool.allocate((long) n * SLOTS * batchSize, elementBytes);
            slotSegments = new int[SLOTS][batchSize];
        }
        long length = (long) segments.length * inputs * batchSize;
        if (input == null || input.length() != Math.max(1, length)) {
            s.pool.release(input);
            input = s.pool.allocate(Math.max(1, length), 8);
        }
        if (length > 0) {
            int per = inputs * batchSize;
            long host = s.staging(8L * length);
            for (int seg = 0; seg < segments.length; seg++) {
                HostCopies.write(host + 8L * seg * per, segments[seg], 0, per);
            }
            s.stagedToDevice(input.address(), 8L * length);
        }
        this.segments = segments.length;
        pending = 0;
    }

    private void checkReady(int[] segment) {
        if (!parametersSet || states == null) {
            throw new IllegalStateException("the field needs setParameters and setInput before it is evaluated");
        }
        if (segment.length != batch) {
            throw new IllegalArgumentException("segment has " + segment.length + " entries, expected one per sample ("
                    + batch + ")");
        }
        for (int b = 0; b < batch; b++) {
            if (segment[b] < 0 || segment[b] >= segments) {
                throw new IllegalArgumentException("segment[" + b + "] = " + segment[b] + ": expected 0.."
                        + (segments - 1) + " (the input's segments)");
            }
        }
    }

    private static boolean uniform(int[] segment) {
        for (int v : segment) {
            if (v != segment[0]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void evaluate(int[] segment, DeviceArray y, DeviceArray out, DeviceArray record) {
        checkReady(segment);
        states.check(y, "y");
        states.check(out, "out");
        if (record != null) {
            states.check(record, "record");
        }
        device.makeCurrent();
        boolean same = uniform(segment);
        s.launch(fieldForward).i32(n).i32(batch).ptr(dm.rowPtr).ptr(dm.col).ptr(eff).ptr(y).ptr(out).ptr(record)
                .ptr(invTau).ptr(dm.phiCode).ptr(bias).ptr(dm.uRowPtr).ptr(dm.uCol).ptr(inputWeights).ptr(input)
                .i32(inputs).ptr(same ? 0 : s.values(segment, batch)).i32(segment[0])
                .i32(LaunchPlan.lanesPerSample(batch)).go(LaunchPlan.warpPerRowBlocks(n));
    }

    @Override
    public void vjp(int[] segment, DeviceArray y, DeviceArray record, DeviceArray outBar, DeviceArray yBar) {
        checkReady(segment);
        states.check(y, "y");
        states.check(record, "record");
        states.check(outBar, "outBar");
        states.check(yBar, "yBar");
        if (!gradientsReset) {
            throw new IllegalStateException("vjp needs resetGradients first");
        }
        device.makeCurrent();
        if (pending == SLOTS) {
            flush();
        }
        int slot = pending++;
        slotInputs[slot] = y.address();
        System.arraycopy(segment, 0, slotSegments[slot], 0, batch);
        hostGradients = false;
        boolean same = uniform(segment);
        long zStride = (long) SLOTS * batch;
        s.launch(fieldReverse).i32(n).i32(batch).ptr(y).ptr(record).ptr(outBar).ptr(yBar).ptr(zBar).i64(zStride)
                .i32(slot).ptr(tau).ptr(dm.phiCode).ptr(tauAcc).ptr(biasAcc).ptr(dm.uRowPtr).ptr(dm.uCol)
                .ptr(inputWeightAcc).ptr(input).i32(inputs).ptr(same ? 0 : s.values(segment, batch)).i32(segment[0])
                .go(LaunchPlan.threadPerItemBlocks(n));
        if (nnz > 0) {
            s.launch(spmm).i32(n).i32(batch).ptr(dm.rowPtrT).ptr(dm.colT).ptr(effT)
                    .ptr(zBar.at((long) slot * batch)).i64(zStride).ptr(yBar).i32(1)
                    .i32(LaunchPlan.lanesPerSample(batch)).go(LaunchPlan.warpPerRowBlocks(n));
        }
    }

    @Override
    public void endOfStep() {
        device.makeCurrent();
        flush();
    }

    /** Accumulates the synapse and input gradients of the kept stages. */
    private void flush() {
        if (pending == 0) {
            return;
        }
        long zStride = (long) SLOTS * batch;
        if (nnz > 0) {
            s.launch(synapseGradient).i32(n).i32(batch).ptr(dm.rowPtr).ptr(dm.col).i32(pending).ptr(zBar)
                    .i64(zStride).ptrs(slotInputs, 0, pending).ptr(synapseAcc).i32(LaunchPlan.lanesPerSample(batch))
                    .go(LaunchPlan.warpPerRowBlocks(n));
        }
        if (dm.inputNnz > 0) {
            s.launch(inputGradient).i32(inputs).i32(batch).ptr(dm.utPtr).ptr(dm.utRow).ptr(dm.utPos)
                    .ptr(inputWeights).i32(pending).ptr(zBar).i64(zStride).ptr(s.values(slotSegments, pending, batch))
                    .ptr(inputAcc).go(LaunchPlan.threadPerItemBlocks((long) inputs * batch));
        }
        pending = 0;
    }

    @Override
    public void resetGradients() {
        if (states == null) {
            throw new IllegalStateException("resetGradients needs setInput first");
        }
        device.makeCurrent();
        synapseAcc = zeroed(synapseAcc, Math.max(1, nnz));
        tauAcc = zeroed(tauAcc, n);
        biasAcc = zeroed(biasAcc, n);
        inputWeightAcc = zeroed(inputWeightAcc, Math.max(1, dm.inputNnz));
        inputAcc = zeroed(inputAcc, Math.max(1, (long) segments * inputs * batch));
        pending = 0;
        hostGradients = false;
        gradientsReset = true;
    }

    private DeviceArray zeroed(DeviceArray a, long length) {
        if (a == null || a.length() != length) {
            s.pool.release(a);
            a = s.pool.allocate(length, 8);
        }
        s.zero(a);
        return a;
    }

    @Override
    public void synapseGradients(double[] magnitudeGradOut, double[] gainGradOut) {
        check("magnitudeGrad", magnitudeGradOut.length, nnz);
        requireGradients();
        device.makeCurrent();
        flush();
        if (nnz == 0) {
            if (gainGradOut != null) {
                Arrays.fill(gainGradOut, 0);
            }
            return;
        }
        if (gains == null) {
            if (magnitudeGrad == null) {
                magnitudeGrad = s.pool.allocate(nnz, 8);
            }
            s.launch(magnitudeGradient).i32(nnz).ptr(synapseAcc).ptr(dm.sign).ptr(magnitudeGrad)
                    .go(LaunchPlan.stridedBlocks(nnz));
            s.download(magnitudeGradOut, magnitudeGrad.address(), nnz);
            if (gainGradOut != null) {
                Arrays.fill(gainGradOut, 0);
            }
        } else {
            if (effectiveGrad == null) {
                effectiveGrad = new double[nnz];
            }
            s.download(effectiveGrad, synapseAcc.address(), nnz);
            effectiveWeights.backward(effectiveGrad, magnitudes, gains, magnitudeGradOut, gainGradOut);
        }
    }

    private void requireGradients() {
        if (!gradientsReset) {
            throw new IllegalStateException("the gradients need resetGradients and a reverse pass first");
        }
    }

    /** Brings τ, bias, U and input cotangents to the host (once after each reverse pass). */
    private void hostGradients() {
        requireGradients();
        if (hostGradients) {
            return;
        }
        device.makeCurrent();
        flush();
        gTau = sized(gTau, n);
        gBias = sized(gBias, n);
        gU = sized(gU, dm.inputNnz);
        s.download(gTau, tauAcc.address(), n);
        s.download(gBias, biasAcc.address(), n);
        if (dm.inputNnz > 0) {
            s.download(gU, inputWeightAcc.address(), dm.inputNnz);
        }
        int per = inputs * batch;
        if (gInput == null || gInput.length != segments || gInput[0].length != per) {
            gInput = new double[segments][per];
        }
        if (per > 0) {
            long host = s.deviceToStaged(inputAcc.address(), 8L * segments * per);
            for (int seg = 0; seg < segments; seg++) {
                HostCopies.read(host + 8L * seg * per, gInput[seg], 0, per);
            }
        }
        hostGradients = true;
    }

    private static double[] sized(double[] a, int length) {
        return a != null && a.length == length ? a : new double[length];
    }

    @Override
    public double[] tauGradient() {
        hostGradients();
        return gTau;
    }

    @Override
    public double[] biasGradient() {
        hostGradients();
        return gBias;
    }

    @Override
    public double[] inputWeightGradient() {
        hostGradients();
        return gU;
    }

    @Override
    public double[][] inputGradient() {
        hostGradients();
        return gInput;
    }

    @Override
    public String toString() {
        return "CudaConnectomeField[" + n + " neurons, " + nnz + " synapses, " + (single ? "float32" : "float64")
                + " on " + device.describe() + "]";
    }
}
