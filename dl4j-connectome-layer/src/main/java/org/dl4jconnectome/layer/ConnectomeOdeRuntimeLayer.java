package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.kernels.BlockedCsr;
import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.model.ConnectomeDynamics;
import org.dl4jconnectome.model.EffectiveWeights;
import org.dl4jconnectome.ode.AdaptiveRungeKutta;
import org.dl4jconnectome.ode.SolverSpec;
import org.dl4jconnectome.ode.SolverStats;
import org.dl4jconnectome.ode.StepSchedule;
import org.dl4jconnectome.ode.UnrolledRungeKutta;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The runtime of {@link ConnectomeOdeLayer}: marshals DL4J arrays to the solver's batch-innermost Java arrays, runs
 * the unrolled Dopri5 forward pass (recording a tape when training) and its hand-written reverse pass, and keeps the
 * parameters within their bounds after every update.
 */
public class ConnectomeOdeRuntimeLayer extends BaseLayer<ConnectomeOdeLayer> {
    private static final long serialVersionUID = 1L;

    private transient ConnectomeDynamics dynamics;
    private transient EffectiveWeights effectiveWeights;
    private transient UnrolledRungeKutta solver;
    private transient UnrolledRungeKutta.Tape tape;
    private transient Forward last;
    private transient HostArrays host;
    /** Java arrays reused from one pass to the next, by purpose, so that training steps do not churn memory. */
    private transient Map<String, double[]> buffers;
    /** Values of the parameters that are not trained, computed once. */
    private transient Map<String, double[]> fixedValues;
    private transient int[] outputNeurons;
    private INDArray givenInitialState;
    private transient SolverStats lastStats;

    public ConnectomeOdeRuntimeLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** What a forward pass used, so that the reverse pass can reuse its tape. */
    private static final class Forward {
        INDArray input;
        boolean taped;
        int batch;
        StepSchedule schedule;
        double[] magnitudes;
        double[] gains;
        double[] inputWeights;
        double[][] segments;
        double[][] points;
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
        if (dynamics != null) {
            return;
        }
        ConnectomeOdeLayer l = layerConf();
        Connectome c = l.getConnectome();
        Nonlinearity[] phi = new Nonlinearity[c.numTypes()];
        for (int t = 0; t < phi.length; t++) {
            phi[t] = c.typeNonlinearity(t);
        }
        boolean single = dataType != DataType.DOUBLE;
        dynamics = new ConnectomeDynamics(c.synapses(), l.getInputProjection().matrix(), c.types().typeIds(), phi,
                SparseKernels.best(), single, BlockedCsr.DEFAULT_BLOCK_WIDTH);
        effectiveWeights = new EffectiveWeights(c, l.isAllExcitatory(), l.isTypePairGains());
        solver = new UnrolledRungeKutta(l.getSolver().method().tableau());
        tape = new UnrolledRungeKutta.Tape();
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

    @Override
    public Type type() {
        return Type.RECURRENT;
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
        Forward f = forward(training);
        return toOutput(f, workspaceMgr);
    }

    private Forward forward(boolean record) {
        ensureRuntime();
        ConnectomeOdeLayer l = layerConf();
        Connectome c = l.getConnectome();
        int n = c.numNeurons();
        Forward f = last != null ? last : new Forward();
        f.input = input;
        f.taped = record;
        f.segments = segments(input);
        f.batch = (int) input.size(0);
        f.magnitudes = values(ConnectomeOdeParamInitializer.SYNAPSE_KEY);
        f.gains = l.isTypePairGains() ? values(ConnectomeOdeParamInitializer.GAIN_KEY) : null;
        f.inputWeights = values(ConnectomeOdeParamInitializer.INPUT_WEIGHT_KEY);
        double[] eff = buffer("effective", c.numSynapses());
        effectiveWeights.compute(f.magnitudes, f.gains, eff);
        double[] tau = tauPerNeuron(values(ConnectomeOdeParamInitializer.TAU_KEY));
        dynamics.setParameters(eff, tau, values(ConnectomeOdeParamInitializer.BIAS_KEY), f.inputWeights);
        dynamics.setInput(f.segments, f.batch);
        int numPoints = l.getNumEvaluationPoints();
        f.schedule = StepSchedule.fixed(l.getStartTime(), l.getEndTime(), numPoints,
                l.getSolver().stepsPerInterval(), f.segments.length);
        if (f.points == null || f.points.length != numPoints || f.points[0].length != n * f.batch) {
            f.points = new double[numPoints][n * f.batch];
        }
        double[] y0 = initialState(f.batch);
        if (!record && l.isAdaptiveInference()) {
            SolverSpec spec = l.getInferenceSolver();
            AdaptiveRungeKutta adaptive = new AdaptiveRungeKutta(spec.method(), spec.controller(), spec.maxSteps(),
                    spec.breakpoints());
            lastStats = adaptive.solve(dynamics, l.getStartTime(), l.getEndTime(),
                    StepSchedule.evaluationPoints(l.getStartTime(), l.getEndTime(), numPoints),
                    f.segments.length, y0, f.points, null);
        } else {
            solver.forward(dynamics, f.schedule, y0, f.points, record ? tape : null);
            lastStats = null;
        }
        last = f;
        return f;
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

    private double[] initialState(int batch) {
        int n = layerConf().numNeurons();
        double[] y0 = buffer("initialState", n * batch);
        Arrays.fill(y0, layerConf().getInitialState() == InitialState.ONES ? 1.0 : 0.0);
        if (givenInitialState != null) {
            if (givenInitialState.rank() != 2 || givenInitialState.size(0) != batch
                    || givenInitialState.size(1) != n) {
                throw new IllegalArgumentException(layerId() + ": the initial state has shape "
                        + Arrays.toString(givenInitialState.shape()) + ", expected [" + batch + ", " + n + "]");
            }
            double[] s = host.read("givenInitialState", givenInitialState, null);
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < n; i++) {
                    y0[i * batch + b] = s[b * n + i];
                }
            }
        }
        return y0;
    }

    /** The input as segments[s][k * B + b]: one segment for [B, I], T_in for a sequence. */
    private double[][] segments(INDArray in) {
        ConnectomeOdeLayer l = layerConf();
        long nIn = l.getNIn();
        boolean nwc = l.getRnnDataFormat() == RNNFormat.NWC;
        if (in.rank() == 2 && in.size(1) == nIn) {
            int batch = (int) in.size(0);
            double[] x = host.read("input", in, buffers.get("input"));
            buffers.put("input", x);
            double[] seg = new double[(int) nIn * batch];
            for (int b = 0; b < batch; b++) {
                for (int k = 0; k < nIn; k++) {
                    seg[k * batch + b] = x[(int) (b * nIn + k)];
                }
            }
            return new double[][] {seg};
        }
        if (in.rank() == 3 && in.size(nwc ? 2 : 1) == nIn && in.size(nwc ? 1 : 2) >= 1) {
            int batch = (int) in.size(0);
            int t = (int) in.size(nwc ? 1 : 2);
            INDArray ncw = nwc ? in.permute(0, 2, 1) : in;
            double[] x = host.read("input", ncw, buffers.get("input"));
            buffers.put("input", x);
            double[][] seg = new double[t][(int) nIn * batch];
            for (int b = 0; b < batch; b++) {
                for (int k = 0; k < nIn; k++) {
                    int base = (int) ((b * nIn + k) * t);
                    for (int s = 0; s < t; s++) {
                        seg[s][k * batch + b] = x[base + s];
                    }
                }
            }
            return seg;
        }
        if ((in.rank() == 2 || in.rank() == 3) && in.size(in.rank() == 3 && nwc ? 2 : 1) != nIn) {
            throw new IllegalArgumentException(layerId() + ": the input has " + in.size(in.rank() == 3 && nwc ? 2 : 1)
                    + " input features (shape " + Arrays.toString(in.shape()) + "), expected " + nIn
                    + " (the input projection's columns)");
        }
        throw new IllegalArgumentException(layerId() + ": input of shape " + Arrays.toString(in.shape())
                + " is invalid: expected [B, " + nIn + "] or a sequence " + (nwc ? "[B, T, " + nIn + "]"
                : "[B, " + nIn + ", T]"));
    }

    private INDArray toOutput(Forward f, LayerWorkspaceMgr workspaceMgr) {
        ConnectomeOdeLayer l = layerConf();
        int[] sel = outputNeurons();
        int batch = f.batch;
        boolean sequence = l.isOutputSequence();
        int t = sequence ? f.points.length : 1;
        int first = f.points.length - t;
        long[] shape = sequence ? new long[] {batch, sel.length, t} : new long[] {batch, sel.length};
        int size = batch * sel.length * t;
        double[] out = buffer("output", size);
        for (int j = 0; j < t; j++) {
            double[] p = f.points[first + j];
            for (int o = 0; o < sel.length; o++) {
                for (int b = 0; b < batch; b++) {
                    out[(b * sel.length + o) * t + j] = p[sel[o] * batch + b];
                }
            }
        }
        INDArray ret = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, shape, 'c');
        host.write("output", out, ret);
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
            f = forward(true);
        }
        ConnectomeOdeLayer l = layerConf();
        Connectome c = l.getConnectome();
        int n = c.numNeurons();
        int batch = f.batch;
        int t = f.points.length;
        int[] sel = outputNeurons();
        INDArray eps = l.getRnnDataFormat() == RNNFormat.NWC && l.isOutputSequence() ? epsilon.permute(0, 2, 1)
                : epsilon;
        // Only h(t1) is output without a sequence: its gradient is that of the last point.
        int tOut = l.isOutputSequence() ? t : 1;
        if (eps.rank() != (l.isOutputSequence() ? 3 : 2) || eps.size(0) != batch || eps.size(1) != sel.length
                || (l.isOutputSequence() && eps.size(2) != t)) {
            throw new IllegalArgumentException(layerId() + ": the output gradient has shape "
                    + Arrays.toString(epsilon.shape()) + ", expected the output's shape");
        }
        double[] e = host.read("epsilon", eps, buffers.get("epsilon"));
        buffers.put("epsilon", e);
        double[][] pointsBar = new double[t][];
        for (int j = t - tOut; j < t; j++) {
            pointsBar[j] = buffer("pointsBar" + j, n * batch);
            Arrays.fill(pointsBar[j], 0.0);
        }
        for (int o = 0; o < sel.length; o++) {
            int dst = sel[o] * batch;
            for (int b = 0; b < batch; b++) {
                int src = (b * sel.length + o) * tOut;
                for (int j = 0; j < tOut; j++) {
                    pointsBar[t - tOut + j][dst + b] += e[src + j];
                }
            }
        }
        dynamics.resetGradients();
        solver.backward(dynamics, f.schedule, tape, pointsBar, buffer("initialStateGradient", n * batch));

        Gradient g = new DefaultGradient();
        double[] effGrad = buffer("effectiveGradient", c.numSynapses());
        dynamics.effectiveWeightGradient(effGrad);
        boolean wantW = params.containsKey(ConnectomeOdeParamInitializer.SYNAPSE_KEY);
        boolean wantG = params.containsKey(ConnectomeOdeParamInitializer.GAIN_KEY);
        double[] wGrad = wantW ? buffer("synapseGradient", c.numSynapses()) : null;
        double[] gGrad = wantG ? buffer("gainGradient", effectiveWeights.numGains()) : null;
        effectiveWeights.backward(effGrad, f.magnitudes, f.gains, wGrad, gGrad);
        putGradient(g, ConnectomeOdeParamInitializer.SYNAPSE_KEY, wGrad);
        putGradient(g, ConnectomeOdeParamInitializer.GAIN_KEY, gGrad);
        putGradient(g, ConnectomeOdeParamInitializer.TAU_KEY, tauGradient(dynamics.tauGradient()));
        putGradient(g, ConnectomeOdeParamInitializer.BIAS_KEY, dynamics.biasGradient());
        putGradient(g, ConnectomeOdeParamInitializer.INPUT_WEIGHT_KEY, dynamics.inputWeightGradient());

        INDArray epsOut = inputGradient(f, dynamics.inputGradient(), workspaceMgr);
        epsOut = backpropDropOutIfPresent(epsOut);
        return new Pair<>(g, epsOut);
    }

    private double[] tauGradient(double[] perNeuron) {
        ConnectomeOdeLayer l = layerConf();
        if (l.getTauMode() == TauMode.PER_NEURON) {
            return perNeuron;
        }
        Connectome c = l.getConnectome();
        double[] perType = new double[c.numTypes()];
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
        host.write(key, values, view);
        g.gradientForVariable().put(key, view);
    }

    private INDArray inputGradient(Forward f, double[][] segGrad, LayerWorkspaceMgr workspaceMgr) {
        int batch = f.batch;
        int nIn = (int) layerConf().getNIn();
        boolean sequence = f.input.rank() == 3;
        int t = sequence ? f.segments.length : 1;
        double[] out = buffer("inputGradient", batch * nIn * t);
        for (int s = 0; s < t; s++) {
            double[] gs = segGrad[s];
            for (int k = 0; k < nIn; k++) {
                for (int b = 0; b < batch; b++) {
                    out[(b * nIn + k) * t + s] = gs[k * batch + b];
                }
            }
        }
        long[] shape = sequence ? new long[] {batch, nIn, t} : new long[] {batch, nIn};
        INDArray ret = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, f.input.dataType(), shape, 'c');
        host.write("inputGradient", out, ret);
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

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        if (maskArray != null) {
            throw new IllegalArgumentException(layerId() + ": masks are not supported by ConnectomeOdeLayer");
        }
        return new Pair<>(null, currentMaskState);
    }

    @Override
    public void setMaskArray(INDArray maskArray) {
        if (maskArray != null) {
            throw new IllegalArgumentException(layerId() + ": masks are not supported by ConnectomeOdeLayer");
        }
        super.setMaskArray(null);
    }

    @Override
    public void clear() {
        super.clear();
        last = null;
    }

    /** Frees the reverse-pass tape (it is rebuilt on the next training pass). */
    public void clearTape() {
        if (tape != null) {
            tape.clear();
        }
        last = null;
    }

    @Override
    public void clearNoiseWeightParams() {
        // weight noise is rejected at configuration time
    }
}
