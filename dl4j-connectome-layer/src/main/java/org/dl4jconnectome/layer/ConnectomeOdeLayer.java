package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.api.layers.LayerConstraint;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToRnnPreProcessor;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.ode.FixedStepStability;
import org.dl4jconnectome.ode.RungeKuttaMethod;
import org.dl4jconnectome.ode.SolverSpec;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonAlias;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.nd4j.shade.jackson.databind.annotation.JsonDeserialize;
import org.nd4j.shade.jackson.databind.annotation.JsonSerialize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A connectome-constrained ODE-RNN with neuron types, as a DL4J recurrent layer (configuration; the runtime is
 * {@link ConnectomeOdeRuntimeLayer}).
 * <p>
 * N neurons wired by a sparse connectome A (rows = receiving neuron) follow
 * <pre>
 *   τ_κ(i) dh_i/dt = −h_i + ReLU( φ_κ(i)( Σ_k U_ik x_k(t) + Σ_j W_ij s_j G[κ(i),κ(j)] h_j + b_i ) )
 * </pre>
 * where κ(i) is neuron i's type, W ≥ 0 the synapse magnitudes, s_j = ±1 the sign of the presynaptic type (Dale's law)
 * or of the synapse itself (signed-edge connectomes), G optional type-pair gains, U the sparse input projection and
 * b a bias. The state starts at h(t0) (0 by default) and is integrated over [t0, t1] with a fixed number of
 * Runge–Kutta steps (Dormand–Prince 5(4) by default, or Tsitouras 5(4)) between consecutive evaluation points,
 * unrolled so that every parameter and the input get exact gradients of the computed output. These are the semantics
 * of bioplnn's {@code ConnectomeODERNN}.
 * <p>
 * Shapes: input [B, I] (held constant over [t0, t1]) or a sequence [B, I, T_in] (piecewise constant on T_in equal
 * bins; steps never straddle a bin edge); output [B, N_out, P] (NCW, or NWC), the states at the P evaluation points
 * linspace(t0, t1, P) of all neurons or of the selected output neurons. The first output point is h(t0) exactly.
 * With {@link Builder#outputSequence(boolean) outputSequence(false)} the output is the final state alone, [B, N_out].
 * The data format follows the input type given to the network ({@code setInputType}) unless set explicitly.
 * <p>
 * Sequences of different lengths: a features mask [B, T_in] whose first L_b entries are 1 ends sample b at
 * t0 + L_b·(t1 − t0)/T_in; its state is held from then on, the output points after its end are masked (the mask
 * this layer passes on says so) and get no gradient. Streaming: {@code rnnTimeStep} integrates one window of length
 * t1 − t0 per call, starting from the state where the previous call ended (see {@link ConnectomeOdeRuntimeLayer}).
 * <p>
 * Parameters (each only when trainable; frozen values come from this configuration): "W" synapse magnitudes (kept
 * ≥ 0), "G" type-pair gains (kept ≥ 0), "tau" per type or per neuron (kept ≥ tauMin), "b" bias, "U" input weights.
 * Bounds are restored after every update (projection), and the connectome structure is stored in this configuration
 * in a compact binary form, so models save and load with DL4J's {@code ModelSerializer}; a loaded configuration and
 * its parameters are checked as {@link Builder#build()} checks a new one.
 * <p>
 * Without a name of its own, the layer is named after its size, e.g. "connectome(47521 neurons, 4623254 synapses, 2
 * types)", which {@code net.summary()} shows.
 * <p>
 * What this layer does not use: an activation function, a weight initialisation or a bias initialisation (the
 * dynamics have their own nonlinearities and the parameters start from the connectome); setting them on this
 * layer's builder is an error, while the global defaults of {@code NeuralNetConfiguration.Builder} are ignored and
 * not stored. Weight noise / DropConnect, truncated BPTT and the {@code Bidirectional} wrapper are rejected.
 */
public class ConnectomeOdeLayer extends BaseRecurrentLayer {
    private static final long serialVersionUID = 2L;

    @JsonSerialize(using = CompactJson.ConnectomeSerializer.class)
    @JsonDeserialize(using = CompactJson.ConnectomeDeserializer.class)
    @JsonProperty
    private Connectome connectome;
    @JsonSerialize(using = CompactJson.InputProjectionSerializer.class)
    @JsonDeserialize(using = CompactJson.InputProjectionDeserializer.class)
    @JsonProperty
    private InputProjection inputProjection;
    @JsonSerialize(using = CompactJson.IntsSerializer.class)
    @JsonDeserialize(using = CompactJson.IntsDeserializer.class)
    @JsonProperty
    private int[] outputNeurons;
    @JsonSerialize(using = CompactJson.DoublesSerializer.class)
    @JsonDeserialize(using = CompactJson.DoublesDeserializer.class)
    @JsonProperty
    private double[] initialBias;
    @JsonProperty
    private double[] typePairGainInit;
    @JsonProperty
    private boolean typePairGains;
    @JsonProperty
    private boolean trainSynapses = true;
    @JsonProperty
    private boolean trainTypePairGains = true;
    @JsonProperty
    private boolean trainTau = true;
    @JsonProperty
    private boolean trainBias = true;
    @JsonProperty
    private boolean trainInputWeights = true;
    @JsonProperty
    private boolean allExcitatory;
    @JsonProperty
    private TauMode tauMode = TauMode.PER_TYPE;
    @JsonProperty
    private double tauMin = 1.0;
    @JsonProperty
    private double startTime = 0.0;
    @JsonProperty
    private double endTime = 1.0;
    /** Evaluation points; saved as "numSteps" (bioplnn's name) before 0.2. */
    @JsonProperty
    @JsonAlias("numSteps")
    private int numEvaluationPoints = 20;
    @JsonProperty
    private String method = SolverSpec.DEFAULT_METHOD.name();
    @JsonProperty
    private int stepsPerInterval = SolverSpec.DEFAULT_STEPS_PER_INTERVAL;
    @JsonProperty
    private int checkpointEvery;
    @JsonProperty
    private InitialState initialState = InitialState.ZEROS;
    /** The explicit data format, or null to follow the input type (NCW when there is none). */
    @JsonProperty
    private RNNFormat dataFormat;
    @JsonProperty
    private boolean outputSequence = true;
    @JsonProperty
    private boolean adaptiveInference;
    @JsonProperty
    private String inferenceMethod = SolverSpec.DEFAULT_METHOD.name();
    @JsonProperty
    private double inferenceAtol = SolverSpec.DEFAULT_ATOL;
    @JsonProperty
    private double inferenceRtol = SolverSpec.DEFAULT_RTOL;
    @JsonProperty
    private int inferenceMaxSteps = SolverSpec.DEFAULT_MAX_STEPS;
    @JsonProperty
    private boolean inferenceBreakpoints = true;

    /** For Jackson and Java serialization. */
    public ConnectomeOdeLayer() {
    }

    protected ConnectomeOdeLayer(Builder b) {
        super(b);
        this.connectome = b.connectome;
        this.inputProjection = b.inputProjection;
        this.outputNeurons = b.outputNeurons == null ? null : b.outputNeurons.clone();
        this.initialBias = b.initialBias == null ? null : b.initialBias.clone();
        this.typePairGainInit = b.typePairGainInit == null ? null : b.typePairGainInit.clone();
        this.typePairGains = b.typePairGains;
        this.trainSynapses = b.trainSynapses;
        this.trainTypePairGains = b.trainTypePairGains;
        this.trainTau = b.trainTau;
        this.trainBias = b.trainBias;
        this.trainInputWeights = b.trainInputWeights;
        this.allExcitatory = b.allExcitatory;
        this.tauMode = b.tauMode;
        this.tauMin = b.tauMin;
        this.startTime = b.startTime;
        this.endTime = b.endTime;
        this.numEvaluationPoints = b.numEvaluationPoints;
        this.method = b.solver.method().name();
        this.stepsPerInterval = b.solver.stepsPerInterval();
        this.checkpointEvery = b.solver.checkpointEvery();
        this.initialState = b.initialState;
        this.dataFormat = b.explicitFormat;
        this.outputSequence = b.outputSequence;
        SolverSpec inference = b.inferenceSolver;
        this.adaptiveInference = inference != null;
        if (inference != null) {
            this.inferenceMethod = inference.method().name();
            this.inferenceAtol = inference.atol();
            this.inferenceRtol = inference.rtol();
            this.inferenceMaxSteps = inference.maxSteps();
            this.inferenceBreakpoints = inference.breakpoints();
        }
        this.nIn = b.inputProjection.numInputs();
        this.nOut = b.outputNeurons == null ? b.connectome.numNeurons() : b.outputNeurons.length;
        initializeConstraints(b);
        this.constraints = withRecurrentConstraints(this.constraints, b);
    }

    /** DL4J's recurrent and input-weight constraints, applied to W and G, and to U. */
    private List<LayerConstraint> withRecurrentConstraints(List<LayerConstraint> base, Builder b) {
        List<LayerConstraint> all = base == null ? new ArrayList<>() : new ArrayList<>(base);
        List<String> keys = initializer().paramKeys(this);
        add(all, b.getRecurrentConstraints(), keys, ConnectomeOdeParamInitializer.SYNAPSE_KEY,
                ConnectomeOdeParamInitializer.GAIN_KEY);
        add(all, b.getInputWeightConstraints(), keys, ConnectomeOdeParamInitializer.INPUT_WEIGHT_KEY);
        if (b.retainedConstraints != null) {
            for (LayerConstraint c : b.retainedConstraints) {
                // clone() of DL4J's constraints drops the parameters they apply to.
                LayerConstraint copy = c.clone();
                copy.setParams(new HashSet<>(c.getParams()));
                all.add(copy);
            }
        }
        return all.isEmpty() ? null : all;
    }

    private static void add(List<LayerConstraint> out, List<LayerConstraint> constraints, List<String> keys,
                            String... targets) {
        if (constraints == null) {
            return;
        }
        Set<String> params = new HashSet<>(Arrays.asList(targets));
        params.retainAll(keys);
        if (params.isEmpty()) {
            return;
        }
        for (LayerConstraint c : constraints) {
            LayerConstraint copy = c.clone();
            copy.setParams(new HashSet<>(params));
            out.add(copy);
        }
    }

    /**
     * A builder holding every setting of this configuration (the connectome, solver, training flags and DL4J's
     * per-layer settings such as the updater, regularization, dropout and constraints).
     */
    public Builder toBuilder() {
        Builder b = new Builder().connectome(connectome).inputProjection(inputProjection);
        b.outputNeurons = outputNeurons == null ? null : outputNeurons.clone();
        b.initialBias = initialBias == null ? null : initialBias.clone();
        b.typePairGainInit = typePairGainInit == null ? null : typePairGainInit.clone();
        b.typePairGains = typePairGains;
        b.trainSynapses = trainSynapses;
        b.trainTypePairGains = trainTypePairGains;
        b.trainTau = trainTau;
        b.trainBias = trainBias;
        b.trainInputWeights = trainInputWeights;
        b.allExcitatory = allExcitatory;
        b.tauMode = tauMode;
        b.tauMin = tauMin;
        b.startTime = startTime;
        b.endTime = endTime;
        b.numEvaluationPoints = numEvaluationPoints;
        b.solver = getSolver();
        b.inferenceSolver = adaptiveInference ? getInferenceSolver() : null;
        b.initialState = initialState;
        b.explicitFormat = dataFormat;
        b.outputSequence = outputSequence;
        // The default name describes the connectome: let the copy describe its own.
        b.name(layerName == null || layerName.equals(defaultName(connectome)) ? null : layerName);
        b.setIDropout(iDropout == null ? null : iDropout.clone());
        b.retainedConstraints = constraints == null ? null : new ArrayList<>(constraints);
        b.setIupdater(iUpdater == null ? null : iUpdater.clone());
        b.setBiasUpdater(biasUpdater == null ? null : biasUpdater.clone());
        b.setRegularization(regularization == null ? new ArrayList<>() : new ArrayList<>(regularization));
        b.setRegularizationBias(regularizationBias == null ? new ArrayList<>()
                : new ArrayList<>(regularizationBias));
        b.setGradientNormalization(gradientNormalization);
        b.setGradientNormalizationThreshold(gradientNormalizationThreshold);
        return b;
    }

    /**
     * Checks the settings against each other; {@link Builder#build()} and a loaded configuration ({@link #instantiate})
     * apply the same checks.
     *
     * @throws IllegalArgumentException naming the layer, the setting, its value and what was expected
     */
    public void validate() {
        String who = describe();
        if (connectome == null) {
            throw new IllegalArgumentException(who + ": connectome is not set");
        }
        if (inputProjection == null) {
            throw new IllegalArgumentException(who + ": inputProjection is not set");
        }
        int n = connectome.numNeurons();
        int k = connectome.numTypes();
        if (inputProjection.numNeurons() != n) {
            throw new IllegalArgumentException(who + ": inputProjection has " + inputProjection.numNeurons()
                    + " rows, expected one per neuron (" + n + ")");
        }
        if (nIn != inputProjection.numInputs()) {
            throw new IllegalArgumentException(who + ": nIn = " + nIn + " but the input projection has "
                    + inputProjection.numInputs() + " columns");
        }
        if (outputNeurons != null) {
            if (outputNeurons.length == 0) {
                throw new IllegalArgumentException(who + ": outputNeurons is empty: pass null for all neurons");
            }
            for (int i = 0; i < outputNeurons.length; i++) {
                if (outputNeurons[i] < 0 || outputNeurons[i] >= n) {
                    throw new IllegalArgumentException(who + ": outputNeurons[" + i + "] = " + outputNeurons[i]
                            + " is out of range: expected 0.." + (n - 1));
                }
            }
        }
        long outputs = outputNeurons == null ? n : outputNeurons.length;
        if (nOut != outputs) {
            throw new IllegalArgumentException(who + ": nOut = " + nOut + " but " + outputs + " neurons are output");
        }
        if (initialBias != null) {
            checkFiniteArray(who, "initialBias", initialBias, n, Double.NEGATIVE_INFINITY);
        }
        if (typePairGainInit != null) {
            if (!typePairGains) {
                throw new IllegalArgumentException(who + ": typePairGainInit is set but typePairGains is false");
            }
            checkFiniteArray(who, "typePairGainInit", typePairGainInit, k * k, 0.0);
        }
        if (!(tauMin > 0) || !Double.isFinite(tauMin)) {
            throw new IllegalArgumentException(who + ": tauMin = " + tauMin + ": expected a finite value > 0");
        }
        for (int t = 0; t < k; t++) {
            if (connectome.typeTau(t) < tauMin) {
                throw new IllegalArgumentException(who + ": the initial tau of type " + t + " ('"
                        + connectome.typeName(t) + "') is " + connectome.typeTau(t) + ", below tauMin = " + tauMin);
            }
        }
        if (!Double.isFinite(startTime) || !Double.isFinite(endTime) || !(endTime > startTime)
                || !Double.isFinite(endTime - startTime)) {
            throw new IllegalArgumentException(who + ": timeSpan [" + startTime + ", " + endTime
                    + "]: expected finite start < end whose difference is finite");
        }
        if (numEvaluationPoints < 2) {
            throw new IllegalArgumentException(who + ": numEvaluationPoints = " + numEvaluationPoints
                    + ": expected at least 2 (the first at t0, the last at t1)");
        }
        Objects.requireNonNull(tauMode, who + ": tauMode");
        Objects.requireNonNull(initialState, who + ": initialState");
        SolverSpec solver;
        try {
            solver = getSolver();
            if (adaptiveInference) {
                getInferenceSolver();
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException(who + ": " + e.getMessage(), e);
        }
        try {
            // τ is kept ≥ tauMin while it trains: the steps must be stable for the fastest decay, −1/tauMin.
            FixedStepStability.check(solver, startTime, endTime, numEvaluationPoints, tauMin, "tauMin");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(who + ": " + e.getMessage(), e);
        }
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners,
                                                       int layerIndex, INDArray layerParamsView,
                                                       boolean initializeParams, DataType networkDataType) {
        Wrappers.rejectBidirectional(describe());
        validate();
        if (getWeightNoise() != null) {
            throw new IllegalArgumentException(describe() + ": weight noise / DropConnect is not supported, got "
                    + getWeightNoise());
        }
        ConnectomeOdeRuntimeLayer layer = new ConnectomeOdeRuntimeLayer(conf, networkDataType);
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> params = initializer().init(conf, layerParamsView, initializeParams);
        if (!initializeParams) {
            ConnectomeOdeParamInitializer.checkBounds(this, params);
        }
        layer.setParamTable(params);
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ParamInitializer initializer() {
        return ConnectomeOdeParamInitializer.getInstance();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        checkInputType(layerIndex, inputType);
        Wrappers.rejectBidirectional(describe());
        return outputSequence ? InputType.recurrent(nOut, numEvaluationPoints, getRnnDataFormat())
                : InputType.feedForward(nOut);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        checkInputType(-1, inputType);
        long size = inputSize(inputType);
        if (size != nIn) {
            throw new IllegalArgumentException(describe() + ": the input has " + size
                    + " features but the input projection has " + nIn + " columns");
        }
        if (dataFormat == null && inputType.getType() == InputType.Type.RNN) {
            dataFormat = ((InputType.InputTypeRecurrent) inputType).getFormat();
        }
    }

    private static long inputSize(InputType t) {
        switch (t.getType()) {
            case FF:
                return ((InputType.InputTypeFeedForward) t).getSize();
            case RNN:
                return ((InputType.InputTypeRecurrent) t).getSize();
            case CNNFlat:
                return ((InputType.InputTypeConvolutionalFlat) t).getFlattenedSize();
            default:
                InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) t;
                return c.getChannels() * c.getHeight() * c.getWidth();
        }
    }

    private void checkInputType(int layerIndex, InputType t) {
        if (t == null || (t.getType() != InputType.Type.FF && t.getType() != InputType.Type.RNN
                && t.getType() != InputType.Type.CNNFlat && t.getType() != InputType.Type.CNN)) {
            throw new IllegalArgumentException(describe() + (layerIndex >= 0 ? " (index " + layerIndex + ")" : "")
                    + ": expected feed-forward [B, I], recurrent [B, I, T] or image input, got " + t);
        }
    }

    /**
     * Recurrent input needs none; feed-forward input (for example a dense layer that DL4J fed with time folded into
     * the batch) is unfolded into a sequence, as for DL4J's own recurrent layers, so a [B, I] input becomes one
     * constant bin; an image becomes one constant input vector.
     */
    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        checkInputType(-1, inputType);
        switch (inputType.getType()) {
            case CNN: {
                InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
                return new CnnToFeedForwardPreProcessor(c.getHeight(), c.getWidth(), c.getChannels(), c.getFormat());
            }
            case FF: {
                InputType.InputTypeFeedForward ff = (InputType.InputTypeFeedForward) inputType;
                RNNFormat f = ff.getTimeDistributedFormat() instanceof RNNFormat
                        ? (RNNFormat) ff.getTimeDistributedFormat() : getRnnDataFormat();
                return new FeedForwardToRnnPreProcessor(f);
            }
            default:
                return null;
        }
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType out = getOutputType(-1, inputType);
        long params = initializer().numParams(this);
        long updater = getIUpdater() == null ? 0 : getIUpdater().stateSize(params);
        long n = connectome.numNeurons();
        int stages = getSolver().method().tableau().solutionStages();
        long steps = (long) (numEvaluationPoints - 1) * stepsPerInterval;
        long kept = checkpointEvery > 0 ? Math.min(steps, checkpointEvery + (steps + checkpointEvery - 1)
                / checkpointEvery) : steps;
        // Training keeps each kept step's stage inputs and pre-activations (2 values of 8 bytes = 4 floats each).
        long tapePerExample = kept * stages * n * 4;
        return new LayerMemoryReport.Builder(layerName, ConnectomeOdeLayer.class, inputType, out)
                .standardMemory(params, updater)
                .workingMemory(0, 4 * n * stages, 0, tapePerExample)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    String describe() {
        return "ConnectomeOdeLayer" + (layerName == null ? "" : " '" + layerName + "'");
    }

    /**
     * The name a layer gets when none is set: its size, so that {@code net.summary()} (which shows names, classes,
     * nIn/nOut and parameter shapes) shows the neurons, synapses and types.
     */
    static String defaultName(Connectome c) {
        return "connectome(" + c.numNeurons() + " neurons, " + c.numSynapses() + " synapses, " + c.numTypes()
                + " types)";
    }

    // DL4J's global defaults (NeuralNetConfiguration.Builder.activation/weightInit/biasInit) reach every BaseLayer
    // through these setters; this layer uses none of them, so it keeps none and stores none in its JSON.

    @Override
    public void setActivationFn(IActivation activationFn) {
    }

    @Override
    @JsonIgnore
    public IActivation getActivationFn() {
        return null;
    }

    @Override
    public void setWeightInitFn(IWeightInit weightInitFn) {
    }

    @Override
    @JsonIgnore
    public IWeightInit getWeightInitFn() {
        return null;
    }

    @Override
    public void setWeightInitFnRecurrent(IWeightInit weightInitFnRecurrent) {
    }

    @Override
    @JsonIgnore
    public IWeightInit getWeightInitFnRecurrent() {
        return null;
    }

    @Override
    public void setBiasInit(double biasInit) {
    }

    @Override
    @JsonIgnore
    public double getBiasInit() {
        return Double.NaN;
    }

    @Override
    public void setGainInit(double gainInit) {
    }

    @Override
    @JsonIgnore
    public double getGainInit() {
        return Double.NaN;
    }

    /** The layout of sequence input and output: the explicit format, else the input type's, else NCW. */
    @Override
    @JsonIgnore
    public RNNFormat getRnnDataFormat() {
        return dataFormat == null ? RNNFormat.NCW : dataFormat;
    }

    @Override
    public void setRnnDataFormat(RNNFormat format) {
        this.dataFormat = format;
    }

    /** The connectome: structure, types, initial magnitudes and per-type τ, class and nonlinearity. */
    public Connectome getConnectome() {
        return connectome;
    }

    public InputProjection getInputProjection() {
        return inputProjection;
    }

    /** The neurons whose states form the output, or null for all neurons. A copy. */
    public int[] getOutputNeurons() {
        return outputNeurons == null ? null : outputNeurons.clone();
    }

    /** Initial bias per neuron, or null for zeros. A copy. */
    public double[] getInitialBias() {
        return initialBias == null ? null : initialBias.clone();
    }

    /** Initial type-pair gains (K×K row-major, [post type][pre type]), or null for ones. A copy. */
    public double[] getTypePairGainInit() {
        return typePairGainInit == null ? null : typePairGainInit.clone();
    }

    public boolean isTypePairGains() {
        return typePairGains;
    }

    public boolean isTrainSynapses() {
        return trainSynapses;
    }

    public boolean isTrainTypePairGains() {
        return trainTypePairGains;
    }

    public boolean isTrainTau() {
        return trainTau;
    }

    public boolean isTrainBias() {
        return trainBias;
    }

    public boolean isTrainInputWeights() {
        return trainInputWeights;
    }

    public boolean isAllExcitatory() {
        return allExcitatory;
    }

    public TauMode getTauMode() {
        return tauMode;
    }

    public double getTauMin() {
        return tauMin;
    }

    public double getStartTime() {
        return startTime;
    }

    public double getEndTime() {
        return endTime;
    }

    /** Evaluation points linspace(t0, t1, P): the output's time length (bioplnn's {@code num_steps}). */
    public int getNumEvaluationPoints() {
        return numEvaluationPoints;
    }

    /** The fixed-step solver of training (and of inference unless adaptive inference is on). */
    @JsonIgnore
    public SolverSpec getSolver() {
        return SolverSpec.fixed(stepsPerInterval).withMethod(RungeKuttaMethod.named(method))
                .withCheckpointEvery(checkpointEvery);
    }

    /** The solver of passes that do not train: adaptive when configured, else {@link #getSolver()}. */
    @JsonIgnore
    public SolverSpec getInferenceSolver() {
        if (!adaptiveInference) {
            return getSolver();
        }
        return SolverSpec.adaptive(inferenceAtol, inferenceRtol).withMethod(RungeKuttaMethod.named(inferenceMethod))
                .withMaxSteps(inferenceMaxSteps).withBreakpoints(inferenceBreakpoints);
    }

    public InitialState getInitialState() {
        return initialState;
    }

    /** True: output the states at every evaluation point; false: only the final state, as [B, N_out]. */
    public boolean isOutputSequence() {
        return outputSequence;
    }

    /** Whether inference (not training) uses an adaptive solver. */
    public boolean isAdaptiveInference() {
        return adaptiveInference;
    }

    /** Number of neurons N. */
    @JsonIgnore
    public int numNeurons() {
        return connectome.numNeurons();
    }

    /** Number of τ values: one per type or one per neuron. */
    @JsonIgnore
    public int numTau() {
        return tauMode == TauMode.PER_TYPE ? connectome.numTypes() : connectome.numNeurons();
    }

    @Override
    public ConnectomeOdeLayer clone() {
        return (ConnectomeOdeLayer) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ConnectomeOdeLayer) || !super.equals(o)) {
            return false;
        }
        ConnectomeOdeLayer l = (ConnectomeOdeLayer) o;
        return typePairGains == l.typePairGains && trainSynapses == l.trainSynapses
                && trainTypePairGains == l.trainTypePairGains && trainTau == l.trainTau && trainBias == l.trainBias
                && trainInputWeights == l.trainInputWeights && allExcitatory == l.allExcitatory
                && Double.compare(tauMin, l.tauMin) == 0 && Double.compare(startTime, l.startTime) == 0
                && Double.compare(endTime, l.endTime) == 0 && numEvaluationPoints == l.numEvaluationPoints
                && method.equals(l.method) && stepsPerInterval == l.stepsPerInterval
                && checkpointEvery == l.checkpointEvery && Objects.equals(connectome, l.connectome)
                && Objects.equals(inputProjection, l.inputProjection) && Arrays.equals(outputNeurons, l.outputNeurons)
                && Arrays.equals(initialBias, l.initialBias) && Arrays.equals(typePairGainInit, l.typePairGainInit)
                && tauMode == l.tauMode && initialState == l.initialState && dataFormat == l.dataFormat
                && outputSequence == l.outputSequence && adaptiveInference == l.adaptiveInference
                && inferenceMethod.equals(l.inferenceMethod) && Double.compare(inferenceAtol, l.inferenceAtol) == 0
                && Double.compare(inferenceRtol, l.inferenceRtol) == 0 && inferenceMaxSteps == l.inferenceMaxSteps
                && inferenceBreakpoints == l.inferenceBreakpoints;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), connectome, inputProjection, Arrays.hashCode(outputNeurons),
                numEvaluationPoints, stepsPerInterval, tauMode, method);
    }

    @Override
    public String toString() {
        return describe() + "[" + connectome + ", inputs=" + nIn + ", outputs=" + nOut + ", t=[" + startTime + ", "
                + endTime + "], points=" + numEvaluationPoints + ", solver=" + getSolver()
                + (adaptiveInference ? ", inference=" + getInferenceSolver() : "") + "]";
    }

    private static void checkFiniteArray(String who, String name, double[] v, int length, double min) {
        if (v.length != length) {
            throw new IllegalArgumentException(who + ": " + name + " has " + v.length + " entries, expected "
                    + length);
        }
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i]) || v[i] < min) {
                throw new IllegalArgumentException(who + ": " + name + "[" + i + "] = " + v[i] + ": expected "
                        + (min == 0.0 ? "a finite value >= 0" : "a finite value"));
            }
        }
    }

    /**
     * Builder for {@link ConnectomeOdeLayer}; {@link #connectome} and {@link #inputProjection} are required. The input
     * size nIn is the projection's column count and nOut the number of output neurons (setting either to another
     * value is an error).
     */
    public static class Builder extends BaseRecurrentLayer.Builder<Builder> {
        private Connectome connectome;
        private InputProjection inputProjection;
        private int[] outputNeurons;
        private double[] initialBias;
        private double[] typePairGainInit;
        private boolean typePairGains;
        private boolean trainSynapses = true;
        private boolean trainTypePairGains = true;
        private boolean trainTau = true;
        private boolean trainBias = true;
        private boolean trainInputWeights = true;
        private boolean allExcitatory;
        private TauMode tauMode = TauMode.PER_TYPE;
        private double tauMin = 1.0;
        private double startTime = 0.0;
        private double endTime = 1.0;
        private int numEvaluationPoints = 20;
        private SolverSpec solver = SolverSpec.fixed();
        private SolverSpec inferenceSolver;
        private InitialState initialState = InitialState.ZEROS;
        private RNNFormat explicitFormat;
        private boolean outputSequence = true;
        private List<LayerConstraint> retainedConstraints;

        /** The typed connectome (structure, initial magnitudes, per-type τ, class, nonlinearity). Required. */
        public Builder connectome(Connectome connectome) {
            this.connectome = connectome;
            return this;
        }

        /** The N×I input projection; its column count is the layer's input size nIn. Required. */
        public Builder inputProjection(InputProjection inputProjection) {
            this.inputProjection = inputProjection;
            return this;
        }

        /** Output only these neurons' states (in this order). Default: all neurons. */
        public Builder outputNeurons(int... neurons) {
            this.outputNeurons = neurons == null ? null : neurons.clone();
            return this;
        }

        /** Initial bias per neuron (length N, finite). Default: zeros. */
        public Builder initialBias(double... bias) {
            this.initialBias = bias == null ? null : bias.clone();
            return this;
        }

        /**
         * Multiply each synapse by a gain shared by its (postsynaptic type, presynaptic type) pair, as the fly
         * visual-system model trains one strength per edge type. Default: false.
         */
        public Builder typePairGains(boolean enabled) {
            this.typePairGains = enabled;
            return this;
        }

        /**
         * Initial type-pair gains, K×K row-major ([post type * K + pre type]), each ≥ 0. Implies
         * {@link #typePairGains(boolean) typePairGains(true)}. Default: all 1.
         */
        public Builder typePairGainInit(double... gains) {
            this.typePairGainInit = gains == null ? null : gains.clone();
            if (gains != null) {
                this.typePairGains = true;
            }
            return this;
        }

        /** Whether synapse magnitudes W are trained. Default: true. */
        public Builder trainSynapses(boolean train) {
            this.trainSynapses = train;
            return this;
        }

        /** Whether the type-pair gains are trained (when enabled). Default: true. */
        public Builder trainTypePairGains(boolean train) {
            this.trainTypePairGains = train;
            return this;
        }

        /** Whether τ is trained (bioplnn's {@code train_tau}). Default: true. */
        public Builder trainTau(boolean train) {
            this.trainTau = train;
            return this;
        }

        /** Whether the bias b is trained. Default: true. */
        public Builder trainBias(boolean train) {
            this.trainBias = train;
            return this;
        }

        /** Whether the input projection's values are trained (its structure never changes). Default: true. */
        public Builder trainInputWeights(boolean train) {
            this.trainInputWeights = train;
            return this;
        }

        /**
         * Treat every synapse as excitatory, ignoring type classes and edge signs: the behaviour of bioplnn's
         * tutorial-era code (whose boolean sign mask made every neuron excitatory). Default: false.
         */
        public Builder allExcitatory(boolean allExcitatory) {
            this.allExcitatory = allExcitatory;
            return this;
        }

        /** One τ per type or per neuron. Default: {@link TauMode#PER_TYPE}. */
        public Builder tauMode(TauMode mode) {
            this.tauMode = mode;
            return this;
        }

        /**
         * Lower bound of τ, kept after every update; an initial τ below it is an error, and the fixed steps must be
         * stable for it. Default: 1.0 (bioplnn).
         */
        public Builder tauMin(double tauMin) {
            this.tauMin = tauMin;
            return this;
        }

        /** Integration interval [t0, t1] of one pass (of one window, when streaming). Default: [0, 1]. */
        public Builder timeSpan(double startTime, double endTime) {
            this.startTime = startTime;
            this.endTime = endTime;
            return this;
        }

        /**
         * Number of evaluation points linspace(t0, t1, P) (≥ 2): the output's time length, bioplnn's
         * {@code num_steps}. Default: 20.
         */
        public Builder evaluationPoints(int points) {
            this.numEvaluationPoints = points;
            return this;
        }

        /**
         * The fixed-step solver of training (and of inference, unless {@link #inferenceSolver} is set): the method,
         * the steps between consecutive evaluation points and the reverse pass's checkpointing. Default:
         * {@link SolverSpec#fixed()} (Dopri5, one step per interval, every step kept).
         */
        public Builder solver(SolverSpec fixedSteps) {
            Objects.requireNonNull(fixedSteps, "solver");
            if (fixedSteps.isAdaptive()) {
                throw new IllegalArgumentException("solver(" + fixedSteps + "): training unrolls fixed steps; "
                        + "give an adaptive solver to inferenceSolver(...) instead");
            }
            this.solver = fixedSteps;
            return this;
        }

        /** Shorthand for {@code solver(solver.withStepsPerInterval(k))}: k ≥ 1 fixed steps per interval. Default: 1. */
        public Builder stepsPerInterval(int k) {
            this.solver = solver.withStepsPerInterval(k);
            return this;
        }

        /** Shorthand for {@code solver(solver.withMethod(m))}. Default: {@link RungeKuttaMethod#DOPRI5}. */
        public Builder method(RungeKuttaMethod m) {
            this.solver = solver.withMethod(Objects.requireNonNull(m, "method"));
            return this;
        }

        /**
         * Inference (forward passes that do not train, e.g. {@code output()}) uses this adaptive solver (torchode's
         * controller, per-sample steps that end on the input's bin edges); training keeps the unrolled fixed steps.
         * Default: none (inference uses the training steps).
         */
        public Builder inferenceSolver(SolverSpec adaptive) {
            if (adaptive != null && !adaptive.isAdaptive()) {
                throw new IllegalArgumentException("inferenceSolver(" + adaptive + "): expected an adaptive "
                        + "solver; fixed steps are set with solver(...) and serve inference too");
            }
            this.inferenceSolver = adaptive;
            return this;
        }

        /**
         * Shorthand for {@code inferenceSolver(SolverSpec.adaptive(atol, rtol).withMethod(method))}.
         *
         * @param atol absolute tolerance (bioplnn: 1e-6)
         * @param rtol relative tolerance (bioplnn: 1e-3)
         */
        public Builder adaptiveInference(double atol, double rtol) {
            return inferenceSolver(SolverSpec.adaptive(atol, rtol).withMethod(solver.method()));
        }

        /** The state at t0. Default: {@link InitialState#ZEROS}. */
        public Builder initialState(InitialState initialState) {
            this.initialState = initialState;
            return this;
        }

        /**
         * Layout of sequence input and of the output: NCW [B, size, T] or NWC [B, T, size]. Default: the format of
         * the recurrent input type given to the network, else NCW.
         */
        @Override
        public Builder dataFormat(RNNFormat format) {
            this.explicitFormat = format;
            return this;
        }

        /**
         * True: output the states at all evaluation points, [B, N_out, P]; false: output only the final state as
         * feed-forward [B, N_out] (the "last time step" readout, usable directly by a dense or output layer).
         * Default: true.
         */
        public Builder outputSequence(boolean outputSequence) {
            this.outputSequence = outputSequence;
            return this;
        }

        /**
         * Validates the settings and builds the configuration.
         *
         * @throws IllegalArgumentException naming the setting, its value and what was expected
         */
        @Override
        @SuppressWarnings("unchecked")
        public ConnectomeOdeLayer build() {
            String who = "ConnectomeOdeLayer" + (layerName == null ? "" : " '" + layerName + "'");
            if (connectome == null) {
                throw new IllegalArgumentException(who + ": connectome is not set");
            }
            if (inputProjection == null) {
                throw new IllegalArgumentException(who + ": inputProjection is not set");
            }
            if (activationFn != null) {
                throw new IllegalArgumentException(who + ": activation(" + activationFn + ") is not used: the "
                        + "dynamics apply each neuron type's nonlinearity (Connectome typeNonlinearity) and then ReLU");
            }
            if (weightInitFn != null || getWeightInitFnRecurrent() != null) {
                throw new IllegalArgumentException(who + ": weightInit(" + (weightInitFn != null ? weightInitFn
                        : getWeightInitFnRecurrent()) + ") is not used: the synapse magnitudes start from the "
                        + "connectome, the input weights from the input projection");
            }
            if (!Double.isNaN(biasInit)) {
                throw new IllegalArgumentException(who + ": biasInit(" + biasInit + ") is not used: set the "
                        + "initial bias per neuron with initialBias(...)");
            }
            if (!Double.isNaN(gainInit)) {
                throw new IllegalArgumentException(who + ": gainInit(" + gainInit + ") is not used: set the "
                        + "type-pair gains with typePairGainInit(...)");
            }
            if (nIn > 0 && nIn != inputProjection.numInputs()) {
                throw new IllegalArgumentException(who + ": nIn = " + nIn + " but the input projection has "
                        + inputProjection.numInputs() + " columns");
            }
            long outputs = outputNeurons == null ? connectome.numNeurons() : outputNeurons.length;
            if (nOut > 0 && nOut != outputs) {
                throw new IllegalArgumentException(who + ": nOut = " + nOut + " but " + outputs
                        + " neurons are output");
            }
            ConnectomeOdeLayer layer = new ConnectomeOdeLayer(this);
            layer.validate();
            if (layer.layerName == null) {
                layer.layerName = defaultName(connectome);
            }
            return layer;
        }
    }
}
