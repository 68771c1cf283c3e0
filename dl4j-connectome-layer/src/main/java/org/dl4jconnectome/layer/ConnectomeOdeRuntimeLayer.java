package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.api.layers.RecurrentLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.model.BatchLayout;
import org.dl4jconnectome.model.ConnectomeIntegrator;
import org.dl4jconnectome.model.ConnectomeModel;
import org.dl4jconnectome.ode.NonFiniteStateException;
import org.dl4jconnectome.ode.SolverSpec;
import org.dl4jconnectome.ode.SolverStats;
import org.dl4jconnectome.ode.StepSchedule;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The runtime of {@link ConnectomeOdeLayer}: marshals DL4J arrays to the solver's host arrays and runs the layer's
 * solves through a {@link ConnectomeIntegrator} (the unrolled fixed steps with their hand-written reverse pass for
 * training; the configured inference solver otherwise), and keeps the parameters within their bounds after every
 * update.
 * <p>
 * <b>Streaming</b> ({@link #rnnTimeStep}): each call integrates one window of the configured length t1 − t0,
 * starting from the state where the previous call ended (all neurons, kept under the state key
 * {@value #STATE_KEY} as [B, N]), with the call's input spread over the window as usual (a [B, I] input is one
 * constant bin). The window's output starts with that state, so consecutive windows equal one long integration over
 * the concatenated input and time span (exactly, up to rounding, for fixed steps; within the tolerances for adaptive
 * inference). {@link #rnnClearPreviousState()} returns to the configured initial state; a batch size that differs
 * from the stored state's is an error. Truncated BPTT is not supported (each call integrates a whole window; DL4J's
 * TBPTT slices the time axis of input and labels alike, which a window of evaluation points does not follow).
 * <p>
 * <b>Masks</b>: a features mask [B, T_in] whose row b is L_b ones then zeros ends sample b at
 * t0 + L_b·(t1 − t0)/T_in; its state is held from there, and the output mask this layer passes on
 * ({@link #feedForwardMaskArray}) marks its points after that time, which get no gradient.
 */
public class ConnectomeOdeRuntimeLayer extends BaseLayer<ConnectomeOdeLayer> implements RecurrentLayer {
    private static final long serialVersionUID = 2L;

    /** Key of the stored state in {@link #rnnGetPreviousState()}: h of every neuron, [B, N]. */
    public static final String STATE_KEY = "h";

    private transient ConnectomeIntegrator integrator;
    private transient HostArrays host;
    /** Java arrays reused from one pass to the next, by purpose, so that training steps do not churn memory. */
    private transient Map<String, double[]> buffers;
    /** Values of the parameters that are not trained, computed once. */
    private transient Map<String, double[]> fixedValues;
    private transient int[] outputNeurons;
    private transient Forward last;
    private transient SolverStats lastStats;
    private transient INDArray givenInitialState;
    private transient Map<String, INDArray> stateMap;
    /** Start of the next streaming window, relative to t0 (for messages). */
    private transient double streamOffset;
    /**
     * The features mask of the current input, as DL4J hands it over, or null. (The inherited {@code maskArray} holds
     * the output's mask, which is what wrappers such as LastTimeStep read through {@code getMaskArray()}.)
     */
    private transient INDArray inputMask;

    public ConnectomeOdeRuntimeLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** What a forward pass used, so that the reverse pass can reuse its tape. */
    private static final class Forward {
        INDArray input;
        boolean taped;
        int batch;
        int segments;
        double[] endTimes;
    }

    /**
     * Sets the state h(t0) of the next forward passes, [B, N] (a copy is kept), or null to return to the configured
     * {@link InitialState}.
     */
    public void setInitialState(INDArray state) {
        givenInitialState = state == null ? null : state.dup();
    }

    /** Statistics of the last adaptive inference pass, or null if the last pass used fixed steps. */
    public SolverStats getLastSolverStats() {
        return lastStats;
    }

    private void ensureRuntime() {
        if (integrator != null) {
            return;
        }
        ConnectomeOdeLayer l = layerConf();
        ConnectomeModel model = ConnectomeModel.of(l.getConnectome(), l.getInputProjection(), l.isAllExcitatory(),
                l.isTypePairGains(), dataType != DataType.DOUBLE);
        integrator = new ConnectomeIntegrator(model, SparseKernels.best());
        host = new HostArrays();
        buffers = new HashMap<>();
        fixedValues = new HashMap<>();
    }

    /** A reusable array of the given length for the given purpose (contents unspecified). */
    private double[] buffer(String key, int length) {
        double[] b = buffers.get(key);
        if (b == null || b.length != length) {
            b = new double[length];
            buffers.put(key, b);
        }
        return b;
    }

    /**
     * FEED_FORWARD, although the layer is recurrent: DL4J reads a layer's type only in
     * {@code MultiLayerNetwork.rnnTimeStep}, where a recurrent last layer given 2-D input has its output cut to the
     * first time step; this layer's window of constant input has all its evaluation points.
     */
    @Override
    public Type type() {
        return Type.FEED_FORWARD;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public boolean hasBias() {
        return layerConf().isTrainBias();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        return forward(training, null, false, workspaceMgr);
    }

    /**
     * Runs a forward pass and returns the layer's output.
     *
     * @param start     the state to start from ([B, N]), or null for the given or configured initial state
     * @param streaming keep the final state of every neuron as the next window's start
     */
    private INDArray forward(boolean training, INDArray start, boolean streaming, LayerWorkspaceMgr workspaceMgr) {
        ensureRuntime();
        ConnectomeOdeLayer l = layerConf();
        Forward f = last != null ? last : new Forward();
        last = null;
        int batch = (int) input.size(0);
        int[] valid = validBins(batch, timeLength(input));
        double[][] segments = segments(input, valid);
        f.input = input;
        f.taped = training;
        f.batch = batch;
        f.segments = segments.length;
        f.endTimes = endTimes(valid, segments.length);
        setParameters();
        double[] y0 = initialState(f.batch, start);
        SolverSpec spec = training ? l.getSolver() : l.getInferenceSolver();
        ConnectomeIntegrator.Readout readout = new ConnectomeIntegrator.Readout(outputNeurons(),
                l.isOutputSequence(), dataType != DataType.DOUBLE, streaming);
        ConnectomeIntegrator.Solution s;
        try {
            s = integrator.solve(new ConnectomeIntegrator.Problem(segments, f.batch, l.getStartTime(),
                    l.getEndTime(), l.getNumEvaluationPoints(), f.endTimes, y0), spec, readout, training, null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(layerId() + ": " + e.getMessage(), e);
        } catch (NonFiniteStateException e) {
            double o = streamOffset;
            throw new IllegalStateException(layerId() + ": the solution of sample " + e.sample()
                    + " became non-finite in the step from t = " + (e.from() + o) + " to t = " + (e.to() + o)
                    + " (" + spec + "): the dynamics diverge for these parameters and input; smaller steps, a larger "
                    + "tauMin or weaker synapses keep them finite", e);
        }
        lastStats = spec.isAdaptive() ? s.stats() : null;
        if (streaming) {
            keepFinalState(s.finalState(), f.batch);
        }
        last = f;
        return toOutput(s, f.batch, workspaceMgr);
    }

    /** Reads the parameters (or the frozen values) and hands them to the integrator. */
    private void setParameters() {
        ConnectomeOdeLayer l = layerConf();
        double[] magnitudes = values(ConnectomeOdeParamInitializer.SYNAPSE_KEY);
        double[] gains = l.isTypePairGains() ? values(ConnectomeOdeParamInitializer.GAIN_KEY) : null;
        double[] tau = tauPerNeuron(values(ConnectomeOdeParamInitializer.TAU_KEY));
        double[] bias = values(ConnectomeOdeParamInitializer.BIAS_KEY);
        double[] inputWeights = values(ConnectomeOdeParamInitializer.INPUT_WEIGHT_KEY);
        for (String key : new String[] {ConnectomeOdeParamInitializer.SYNAPSE_KEY,
            ConnectomeOdeParamInitializer.GAIN_KEY, ConnectomeOdeParamInitializer.BIAS_KEY,
            ConnectomeOdeParamInitializer.INPUT_WEIGHT_KEY, ConnectomeOdeParamInitializer.TAU_KEY}) {
            INDArray p = params == null ? null : params.get(key);
            if (p != null) {
                checkFinite("parameter '" + key + "'", buffers.get(key));
            }
        }
        integrator.setParameters(magnitudes, gains, tau, bias, inputWeights);
    }

    private void checkFinite(String what, double[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalStateException(layerId() + ": " + what + "[" + i + "] is " + v[i]
                        + ": expected finite values (set through setParam/setParams, or a previous update)");
            }
        }
    }

    /** A parameter's current values, or its fixed configured values when it is not trained. */
    private double[] values(String key) {
        INDArray p = params == null ? null : params.get(key);
        if (p == null) {
            return fixedValues.computeIfAbsent(key, k -> ConnectomeOdeParamInitializer.initialValues(layerConf(), k));
        }
        double[] v = host.read(key, p, buffers.get(key));
        buffers.put(key, v);
        return v;
    }

    private double[] tauPerNeuron(double[] tau) {
        ConnectomeOdeLayer l = layerConf();
        if (l.getTauMode() == TauMode.PER_NEURON) {
            return tau;
        }
        Connectome c = l.getConnectome();
        double[] out = buffer("tauPerNeuron", c.numNeurons());
        for (int i = 0; i < out.length; i++) {
            out[i] = tau[c.types().typeOf(i)];
        }
        return out;
    }

    /** h(t0), batch-innermost: a streaming window's start, a state set by the user, or the configured one. */
    private double[] initialState(int batch, INDArray start) {
        int n = layerConf().numNeurons();
        INDArray given = start != null ? start : givenInitialState;
        if (given == null) {
            if (layerConf().getInitialState() == InitialState.ZEROS) {
                return null;
            }
            double[] y0 = buffer("initialState", n * batch);
            Arrays.fill(y0, 1.0);
            return y0;
        }
        if (given.rank() != 2 || given.size(0) != batch || given.size(1) != n) {
            throw new IllegalArgumentException(layerId() + ": the " + (start != null ? "stored streaming state ("
                    + STATE_KEY + ")" : "initial state") + " has shape " + Arrays.toString(given.shape())
                    + ", expected [" + batch + ", " + n + "]" + (start != null ? ": the batch size changed between "
                    + "rnnTimeStep calls; call rnnClearPreviousState() to start new sequences" : ""));
        }
        double[] s = host.read("initialState", given, buffer("givenInitialState", n * batch));
        checkFinite(start != null ? "the stored state" : "the initial state", s);
        double[] y0 = buffer("initialState", n * batch);
        BatchLayout.toBatchInnermost(s, batch, n, y0);
        return y0;
    }

    /** Input bins T_in of an input: 1 for [B, I], T for a sequence (whatever the layout is). */
    private int timeLength(INDArray in) {
        return in.rank() == 3 ? (int) in.size(layerConf().getRnnDataFormat() == RNNFormat.NWC ? 1 : 2) : 1;
    }

    /** The input as segments[s][k * B + b]: one segment for [B, I], T_in for a sequence; valid bins checked finite. */
    private double[][] segments(INDArray in, int[] valid) {
        ConnectomeOdeLayer l = layerConf();
        int nIn = (int) l.getNIn();
        boolean nwc = l.getRnnDataFormat() == RNNFormat.NWC;
        int featureAxis = in.rank() == 3 && nwc ? 2 : 1;
        if ((in.rank() == 2 || in.rank() == 3) && in.size(featureAxis) != nIn) {
            throw new IllegalArgumentException(layerId() + ": the input has " + in.size(featureAxis)
                    + " input features (shape " + Arrays.toString(in.shape()) + (in.rank() == 3 ? ", " + l
                    .getRnnDataFormat() : "") + "), expected " + nIn + " (the input projection's columns)");
        }
        if (in.rank() != 2 && (in.rank() != 3 || in.size(nwc ? 1 : 2) < 1)) {
            throw new IllegalArgumentException(layerId() + ": input of shape " + Arrays.toString(in.shape())
                    + " is invalid: expected [B, " + nIn + "] or a sequence " + (nwc ? "[B, T, " + nIn + "]"
                    : "[B, " + nIn + ", T]"));
        }
        int batch = (int) in.size(0);
        int t = in.rank() == 2 ? 1 : (int) in.size(nwc ? 1 : 2);
        INDArray ncw = in.rank() == 3 && nwc ? in.permute(0, 2, 1) : in;
        double[] x = host.read("input", ncw, buffers.get("input"));
        buffers.put("input", x);
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < nIn; k++) {
                int base = (b * nIn + k) * t;
                for (int s = 0; s < valid[b]; s++) {
                    if (!Double.isFinite(x[base + s])) {
                        throw new IllegalArgumentException(layerId() + ": the input of sample " + b + " has " + x[base
                                + s] + " at feature " + k + (t > 1 ? ", time bin " + s : "") + ": expected finite "
                                + "values");
                    }
                }
            }
        }
        double[][] seg = BatchLayout.segments(x, batch, nIn, t, segmentBuffer);
        segmentBuffer = seg;
        return seg;
    }

    private transient double[][] segmentBuffer;

    /**
     * The number of valid input bins of every sample: T_in without a mask, else the length of the mask row's leading
     * ones (which must be followed by zeros only).
     */
    private int[] validBins(int batch, int t) {
        int[] valid = new int[batch];
        Arrays.fill(valid, t);
        if (inputMask == null) {
            return valid;
        }
        INDArray m = inputMask;
        if (m.rank() != 2 || m.size(0) != batch || m.size(1) != t) {
            throw new IllegalArgumentException(layerId() + ": the features mask has shape "
                    + Arrays.toString(m.shape()) + ", expected [" + batch + ", " + t + "] (one entry per input bin)");
        }
        double[] v = host.read("mask", m, buffers.get("mask"));
        buffers.put("mask", v);
        for (int b = 0; b < batch; b++) {
            int len = 0;
            while (len < t && v[b * t + len] == 1.0) {
                len++;
            }
            for (int s = len; s < t; s++) {
                if (v[b * t + s] != 0.0) {
                    throw new IllegalArgumentException(layerId() + ": features mask row " + b + " is "
                            + Arrays.toString(Arrays.copyOfRange(v, b * t, (b + 1) * t)) + ": expected ones then "
                            + "zeros (a sample's input bins, then padding)");
                }
            }
            if (len == 0) {
                throw new IllegalArgumentException(layerId() + ": features mask row " + b + " is all zeros: a sample "
                        + "needs at least one input bin");
            }
            valid[b] = len;
        }
        return valid;
    }

    /** Per-sample end times from the valid bins of every sample, or null when every sample runs to t1. */
    private double[] endTimes(int[] valid, int t) {
        int batch = valid.length;
        ConnectomeOdeLayer l = layerConf();
        double t0 = l.getStartTime();
        double t1 = l.getEndTime();
        double[] end = new double[batch];
        boolean any = false;
        for (int b = 0; b < batch; b++) {
            // The same expression as the schedule's bin edges, so that a sample ends exactly on a step boundary.
            end[b] = valid[b] == t ? t1 : t0 + (t1 - t0) * valid[b] / t;
            any |= valid[b] < t;
        }
        return any ? end : null;
    }

    private INDArray toOutput(ConnectomeIntegrator.Solution s, int batch, LayerWorkspaceMgr workspaceMgr) {
        ConnectomeOdeLayer l = layerConf();
        int[] sel = outputNeurons();
        boolean sequence = l.isOutputSequence();
        long[] shape = sequence ? new long[] {batch, sel.length, l.getNumEvaluationPoints()}
                : new long[] {batch, sel.length};
        INDArray ret = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, shape, 'c');
        if (s.outputFloat() != null) {
            host.write("output", s.outputFloat(), ret);
        } else {
            host.write("output", s.outputDouble(), ret);
        }
        return sequence && l.getRnnDataFormat() == RNNFormat.NWC ? ret.permute(0, 2, 1) : ret;
    }

    /** The output neurons (all, in order, when none are selected), resolved once. */
    private int[] outputNeurons() {
        if (outputNeurons == null) {
            int[] sel = layerConf().getOutputNeurons();
            if (sel == null) {
                sel = new int[layerConf().numNeurons()];
                for (int i = 0; i < sel.length; i++) {
                    sel[i] = i;
                }
            }
            outputNeurons = sel;
        }
        return outputNeurons;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Forward f = last;
        if (f == null || !f.taped || f.input != input) {
            forward(true, null, false, workspaceMgr);
            f = last;
        }
        ConnectomeOdeLayer l = layerConf();
        Connectome c = l.getConnectome();
        int batch = f.batch;
        int points = l.getNumEvaluationPoints();
        int[] sel = outputNeurons();
        boolean sequence = l.isOutputSequence();
        INDArray eps = l.getRnnDataFormat() == RNNFormat.NWC && sequence ? epsilon.permute(0, 2, 1) : epsilon;
        if (eps.rank() != (sequence ? 3 : 2) || eps.size(0) != batch || eps.size(1) != sel.length
                || (sequence && eps.size(2) != points)) {
            throw new IllegalArgumentException(layerId() + ": the output gradient has shape "
                    + Arrays.toString(epsilon.shape()) + ", expected the output's shape");
        }
        double[] e = host.read("epsilon", eps, buffers.get("epsilon"));
        buffers.put("epsilon", e);
        if (sequence && f.endTimes != null) {
            zeroMaskedPoints(e, f.endTimes, sel.length, points);
        }
        ConnectomeIntegrator.Gradients grads = integrator.backward(e);

        Gradient g = new DefaultGradient();
        putGradient(g, ConnectomeOdeParamInitializer.SYNAPSE_KEY, grads.magnitudes());
        putGradient(g, ConnectomeOdeParamInitializer.GAIN_KEY, grads.gains());
        putGradient(g, ConnectomeOdeParamInitializer.TAU_KEY, tauGradient(grads.tauPerNeuron()));
        putGradient(g, ConnectomeOdeParamInitializer.BIAS_KEY, grads.bias());
        putGradient(g, ConnectomeOdeParamInitializer.INPUT_WEIGHT_KEY, grads.inputWeights());

        INDArray epsOut = inputGradient(f, grads.input(), workspaceMgr);
        epsOut = backpropDropOutIfPresent(epsOut);
        return new Pair<>(g, epsOut);
    }

    /** Output points after a sample's end carry no gradient. */
    private void zeroMaskedPoints(double[] e, double[] endTimes, int rows, int points) {
        ConnectomeOdeLayer l = layerConf();
        double[] times = StepSchedule.evaluationPoints(l.getStartTime(), l.getEndTime(), points);
        double eps = 1e-12 * (l.getEndTime() - l.getStartTime());
        for (int b = 0; b < endTimes.length; b++) {
            for (int j = 0; j < points; j++) {
                if (times[j] > endTimes[b] + eps) {
                    for (int o = 0; o < rows; o++) {
                        e[(b * rows + o) * points + j] = 0;
                    }
                }
            }
        }
    }

    private double[] tauGradient(double[] perNeuron) {
        ConnectomeOdeLayer l = layerConf();
        if (l.getTauMode() == TauMode.PER_NEURON) {
            return perNeuron;
        }
        Connectome c = l.getConnectome();
        double[] perType = buffer("tauGradient", c.numTypes());
        Arrays.fill(perType, 0);
        for (int i = 0; i < perNeuron.length; i++) {
            perType[c.types().typeOf(i)] += perNeuron[i];
        }
        return perType;
    }

    private void putGradient(Gradient g, String key, double[] values) {
        INDArray view = gradientViews == null ? null : gradientViews.get(key);
        if (view == null) {
            return;
        }
        // A non-finite gradient would write NaN into the parameters at the update: stop before it.
        checkFinite("the gradient of parameter '" + key + "'", values);
        host.write(key, values, view);
        g.gradientForVariable().put(key, view);
    }

    private INDArray inputGradient(Forward f, double[] grad, LayerWorkspaceMgr workspaceMgr) {
        int batch = f.batch;
        int nIn = (int) layerConf().getNIn();
        boolean sequence = f.input.rank() == 3;
        long[] shape = sequence ? new long[] {batch, nIn, f.segments} : new long[] {batch, nIn};
        INDArray ret = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, f.input.dataType(), shape, 'c');
        host.write("inputGradient", grad, ret);
        if (sequence && layerConf().getRnnDataFormat() == RNNFormat.NWC) {
            return workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, ret.permute(0, 2, 1), 'c');
        }
        return ret;
    }

    /** Applies the configured constraints, then restores W ≥ 0, G ≥ 0 and τ ≥ tauMin. */
    @Override
    public void applyConstraints(int iteration, int epoch) {
        super.applyConstraints(iteration, epoch);
        project(ConnectomeOdeParamInitializer.SYNAPSE_KEY, 0.0);
        project(ConnectomeOdeParamInitializer.GAIN_KEY, 0.0);
        project(ConnectomeOdeParamInitializer.TAU_KEY, layerConf().getTauMin());
    }

    private void project(String key, double min) {
        INDArray p = params.get(key);
        if (p != null) {
            Transforms.max(p, min, false);
        }
    }

    /**
     * Takes the features mask [B, T_in] and passes on the output's: [B, P] with 1 for the evaluation points up to
     * each sample's end, or nothing when the output is the final state only ([B, N_out] needs no mask).
     */
    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        this.inputMask = maskArray;
        this.maskState = currentMaskState;
        this.maskArray = maskArray == null ? null : outputMask(maskArray, minibatchSize);
        return new Pair<>(this.maskArray, currentMaskState);
    }

    /**
     * The output's mask for a features mask [B, T_in]: [B, P] with 1 for the evaluation points up to each sample's
     * end, or null when the output is the final state only ([B, N_out] needs no mask).
     */
    private INDArray outputMask(INDArray features, int minibatchSize) {
        ConnectomeOdeLayer l = layerConf();
        if (features.rank() != 2 || features.size(0) != minibatchSize) {
            throw new IllegalArgumentException(layerId() + ": the features mask has shape "
                    + Arrays.toString(features.shape()) + ", expected [" + minibatchSize + ", T_in]");
        }
        if (!l.isOutputSequence()) {
            return null;
        }
        ensureRuntime();
        int t = (int) features.size(1);
        double[] end = endTimes(validBins(minibatchSize, t), t);
        int points = l.getNumEvaluationPoints();
        double[] times = StepSchedule.evaluationPoints(l.getStartTime(), l.getEndTime(), points);
        double eps = 1e-12 * (l.getEndTime() - l.getStartTime());
        double[] out = new double[minibatchSize * points];
        for (int b = 0; b < minibatchSize; b++) {
            for (int j = 0; j < points; j++) {
                out[b * points + j] = end == null || times[j] <= end[b] + eps ? 1.0 : 0.0;
            }
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.create(out, new long[] {minibatchSize, points}, 'c').castTo(features.dataType());
        }
    }

    /** A features mask [B, T_in] (null clears it), as {@link #feedForwardMaskArray} takes it. */
    @Override
    public void setMaskArray(INDArray maskArray) {
        this.inputMask = maskArray;
        this.maskArray = maskArray == null ? null : outputMask(maskArray, (int) maskArray.size(0));
    }

    // ---- streaming (RecurrentLayer) ----

    @Override
    public INDArray rnnTimeStep(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        INDArray start = stateMap == null ? null : stateMap.get(STATE_KEY);
        INDArray out = forward(false, start, true, workspaceMgr);
        ConnectomeOdeLayer l = layerConf();
        streamOffset += l.getEndTime() - l.getStartTime();
        return out;
    }

    private void keepFinalState(double[] finalState, int batch) {
        int n = layerConf().numNeurons();
        double[] sampleMajor = buffer("finalState", n * batch);
        BatchLayout.fromBatchInnermost(finalState, batch, n, sampleMajor);
        if (stateMap == null) {
            stateMap = new HashMap<>();
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            stateMap.put(STATE_KEY, Nd4j.create(sampleMajor.clone(), new long[] {batch, n}, 'c').castTo(dataType));
        }
    }

    /** The stored streaming state: {@value #STATE_KEY} → [B, N], or empty before the first window. */
    @Override
    public Map<String, INDArray> rnnGetPreviousState() {
        return stateMap == null ? new HashMap<>() : new HashMap<>(stateMap);
    }

    /**
     * Sets the state the next {@link #rnnTimeStep} window starts from: {@value #STATE_KEY} → [B, N].
     *
     * @throws IllegalArgumentException for another key or shape
     */
    @Override
    public void rnnSetPreviousState(Map<String, INDArray> state) {
        int n = layerConf().numNeurons();
        for (Map.Entry<String, INDArray> e : state.entrySet()) {
            INDArray h = e.getValue();
            if (!STATE_KEY.equals(e.getKey()) || h == null || h.rank() != 2 || h.size(1) != n) {
                throw new IllegalArgumentException(layerId() + ": rnnSetPreviousState expects {\"" + STATE_KEY
                        + "\": [B, " + n + "]}, got '" + e.getKey() + "' -> "
                        + (h == null ? "null" : Arrays.toString(h.shape())));
            }
        }
        stateMap = new HashMap<>();
        for (Map.Entry<String, INDArray> e : state.entrySet()) {
            stateMap.put(e.getKey(), e.getValue().dup());
        }
    }

    @Override
    public void rnnClearPreviousState() {
        stateMap = null;
        streamOffset = 0;
    }

    private IllegalStateException noTbptt() {
        return new IllegalStateException(layerId() + ": truncated BPTT (BackpropType.TruncatedBPTT) is not supported: "
                + "the layer integrates its whole time span [t0, t1] per pass, while TBPTT slices the input's and the "
                + "labels' time axes alike; use BackpropType.Standard, and rnnTimeStep for streaming inference");
    }

    @Override
    public INDArray rnnActivateUsingStoredState(INDArray input, boolean training, boolean storeLastForTBPTT,
                                                LayerWorkspaceMgr workspaceMgr) {
        throw noTbptt();
    }

    @Override
    public Map<String, INDArray> rnnGetTBPTTState() {
        throw noTbptt();
    }

    @Override
    public void rnnSetTBPTTState(Map<String, INDArray> state) {
        throw noTbptt();
    }

    @Override
    public Pair<Gradient, INDArray> tbpttBackpropGradient(INDArray epsilon, int tbpttBackLength,
                                                          LayerWorkspaceMgr workspaceMgr) {
        throw noTbptt();
    }

    @Override
    public void clear() {
        super.clear();
        inputMask = null;
        last = null;
    }

    @Override
    public void clearNoiseWeightParams() {
        // weight noise is rejected at configuration time
    }
}
