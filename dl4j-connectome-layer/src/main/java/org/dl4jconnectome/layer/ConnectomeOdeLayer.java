package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.ode.ButcherTableau;
import org.dl4jconnectome.ode.IntegralController;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.nd4j.shade.jackson.databind.annotation.JsonDeserialize;
import org.nd4j.shade.jackson.databind.annotation.JsonSerialize;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;

/**
 * A connectome-constrained ODE-RNN with neuron types, as a DL4J layer (configuration; the runtime is
 * {@link ConnectomeOdeRuntimeLayer}).
 * <p>
 * N neurons wired by a sparse connectome A (rows = receiving neuron) follow
 * <pre>
 *   τ_κ(i) dh_i/dt = −h_i + ReLU( φ_κ(i)( Σ_k U_ik x_k(t) + Σ_j W_ij s_j G[κ(i),κ(j)] h_j + b_i ) )
 * </pre>
 * where κ(i) is neuron i's type, W ≥ 0 the synapse magnitudes, s_j = ±1 the sign of the presynaptic type (Dale's law)
 * or of the synapse itself (signed-edge connectomes), G optional type-pair gains, U the sparse input projection and
 * b a bias. The state starts at h(t0) (0 by default) and is integrated with Dormand–Prince 5(4) over [t0, t1] with
 * {@code stepsPerInterval} fixed steps between consecutive evaluation points, unrolled so that every parameter and the
 * input get exact gradients of the computed output. These are the semantics of bioplnn's {@code ConnectomeODERNN}.
 * <p>
 * Shapes: input [B, I] (held constant over [t0, t1]) or a sequence [B, I, T_in] (piecewise constant on T_in equal
 * bins; steps never straddle a bin edge); output [B, N_out, numSteps] (NCW, or NWC with {@link Builder#dataFormat}),
 * the states at linspace(t0, t1, numSteps) of all neurons or of the selected output neurons. The first output point
 * is h(t0) exactly. With {@link Builder#outputSequence(boolean) outputSequence(false)} the output is h(t1) alone,
 * [B, N_out].
 * <p>
 * Parameters (each only when trainable; frozen values come from this configuration): "W" synapse magnitudes (kept
 * ≥ 0), "G" type-pair gains (kept ≥ 0), "tau" per type or per neuron (kept ≥ tauMin), "b" bias, "U" input weights.
 * Bounds are restored after every update (projection), and the connectome structure is stored in this configuration
 * in a compact binary form, so models save and load with DL4J's {@code ModelSerializer}.
 * <p>
 * Limitations: masks are not supported (sequences are bins on a fixed time span, not variable-length series), and
 * neither are weight noise and DropConnect.
 */
public class ConnectomeOdeLayer extends FeedForwardLayer {
    private static final long serialVersionUID = 1L;

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
    @JsonProperty
    private int numSteps = 20;
    @JsonProperty
    private int stepsPerInterval = 1;
    @JsonProperty
    private InitialState initialState = InitialState.ZEROS;
    @JsonProperty
    private RNNFormat dataFormat = RNNFormat.NCW;
    @JsonProperty
    private boolean outputSequence = true;
    @JsonProperty
    private boolean adaptiveInference;
    @JsonProperty
    private double inferenceAtol = 1e-6;
    @JsonProperty
    private double inferenceRtol = 1e-3;
    @JsonProperty
    private int inferenceMaxSteps = 100_000;

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
        this.numSteps = b.numSteps;
        this.stepsPerInterval = b.stepsPerInterval;
        this.initialState = b.initialState;
        this.dataFormat = b.dataFormat;
        this.outputSequence = b.outputSequence;
        this.adaptiveInference = b.adaptiveInference;
        this.inferenceAtol = b.inferenceAtol;
        this.inferenceRtol = b.inferenceRtol;
        this.inferenceMaxSteps = b.inferenceMaxSteps;
        initializeConstraints(b);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners,
                                                       int layerIndex, INDArray layerParamsView,
                                                       boolean initializeParams, DataType networkDataType) {
        if (getWeightNoise() != null) {
            throw new IllegalArgumentException(describe() + ": weight noise / DropConnect is not supported, got "
                    + getWeightNoise());
        }
        ConnectomeOdeRuntimeLayer layer = new ConnectomeOdeRuntimeLayer(conf, networkDataType);
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> params = initializer().init(conf, layerParamsView, initializeParams);
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
        return outputSequence ? InputType.recurrent(nOut, numSteps, dataFormat) : InputType.feedForward(nOut);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        checkInputType(-1, inputType);
        long size = inputSize(inputType);
        if (size != nIn) {
            throw new IllegalArgumentException(describe() + ": the input has " + size
                    + " features but the input projection has " + nIn + " columns");
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

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        checkInputType(-1, inputType);
        if (inputType.getType() == InputType.Type.CNN) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
            return new CnnToFeedForwardPreProcessor(c.getHeight(), c.getWidth(), c.getChannels(), c.getFormat());
        }
        return null;
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
        int stages = ButcherTableau.DOPRI5.solutionStages();
        long steps = (long) (numSteps - 1) * stepsPerInterval;
        // Training keeps each stage's input and pre-activation in double precision (2 doubles = 4 floats each).
        long tapePerExample = steps * stages * n * 4;
        return new LayerMemoryReport.Builder(layerName, ConnectomeOdeLayer.class, inputType, out)
                .standardMemory(params, updater)
                .workingMemory(0, 4 * n * stages, 0, tapePerExample)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    String describe() {
        return "ConnectomeOdeLayer" + (layerName == null ? "" : " '" + layerName + "'");
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

    public int getNumSteps() {
        return numSteps;
    }

    public int getStepsPerInterval() {
        return stepsPerInterval;
    }

    public InitialState getInitialState() {
        return initialState;
    }

    public RNNFormat getDataFormat() {
        return dataFormat;
    }

    /** True: output the states at every evaluation point; false: only h(t1), as [B, N_out]. */
    public boolean isOutputSequence() {
        return outputSequence;
    }

    /** Whether inference (not training) uses the adaptive solver. */
    public boolean isAdaptiveInference() {
        return adaptiveInference;
    }

    public double getInferenceAtol() {
        return inferenceAtol;
    }

    public double getInferenceRtol() {
        return inferenceRtol;
    }

    public int getInferenceMaxSteps() {
        return inferenceMaxSteps;
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
                && Double.compare(endTime, l.endTime) == 0 && numSteps == l.numSteps
                && stepsPerInterval == l.stepsPerInterval && Objects.equals(connectome, l.connectome)
                && Objects.equals(inputProjection, l.inputProjection) && Arrays.equals(outputNeurons, l.outputNeurons)
                && Arrays.equals(initialBias, l.initialBias) && Arrays.equals(typePairGainInit, l.typePairGainInit)
                && tauMode == l.tauMode && initialState == l.initialState && dataFormat == l.dataFormat
                && outputSequence == l.outputSequence && adaptiveInference == l.adaptiveInference
                && Double.compare(inferenceAtol, l.inferenceAtol) == 0
                && Double.compare(inferenceRtol, l.inferenceRtol) == 0 && inferenceMaxSteps == l.inferenceMaxSteps;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), connectome, inputProjection, Arrays.hashCode(outputNeurons), numSteps,
                stepsPerInterval, tauMode);
    }

    @Override
    public String toString() {
        return describe() + "[" + connectome + ", inputs=" + nIn + ", outputs=" + nOut + ", t=[" + startTime + ", "
                + endTime + "], numSteps=" + numSteps + ", stepsPerInterval=" + stepsPerInterval + "]";
    }

    /** Builder for {@link ConnectomeOdeLayer}; {@link #connectome} and {@link #inputProjection} are required. */
    public static class Builder extends FeedForwardLayer.Builder<Builder> {
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
        private int numSteps = 20;
        private int stepsPerInterval = 1;
        private InitialState initialState = InitialState.ZEROS;
        private RNNFormat dataFormat = RNNFormat.NCW;
        private boolean outputSequence = true;
        private boolean adaptiveInference;
        private double inferenceAtol = 1e-6;
        private double inferenceRtol = 1e-3;
        private int inferenceMaxSteps = 100_000;

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

        /** Lower bound of τ, kept after every update; an initial τ below it is an error. Default: 1.0 (bioplnn). */
        public Builder tauMin(double tauMin) {
            this.tauMin = tauMin;
            return this;
        }

        /** Integration interval [t0, t1]. Default: [0, 1]. */
        public Builder timeSpan(double startTime, double endTime) {
            this.startTime = startTime;
            this.endTime = endTime;
            return this;
        }

        /** Number of evaluation points linspace(t0, t1, numSteps) (≥ 2), the output's time length. Default: 20. */
        public Builder numSteps(int numSteps) {
            this.numSteps = numSteps;
            return this;
        }

        /** Fixed Dopri5 steps between consecutive evaluation points (≥ 1). Default: 1. */
        public Builder stepsPerInterval(int stepsPerInterval) {
            this.stepsPerInterval = stepsPerInterval;
            return this;
        }

        /** The state at t0. Default: {@link InitialState#ZEROS}. */
        public Builder initialState(InitialState initialState) {
            this.initialState = initialState;
            return this;
        }

        /** Layout of sequence input and of the output: NCW [B, size, T] or NWC [B, T, size]. Default: NCW. */
        public Builder dataFormat(RNNFormat format) {
            this.dataFormat = format;
            return this;
        }

        /**
         * True: output the states at all {@link #numSteps} evaluation points, [B, N_out, numSteps]; false: output
         * only the final state h(t1) as feed-forward [B, N_out] (the "last time step" readout, usable directly by a
         * dense or output layer). Default: true.
         */
        public Builder outputSequence(boolean outputSequence) {
            this.outputSequence = outputSequence;
            return this;
        }

        /**
         * Inference (forward passes that do not train, e.g. {@code output()}) uses the adaptive Dopri5 of bioplnn's
         * torchode solver, with steps ending on the input's bin edges; training always uses the unrolled fixed steps.
         * Default: off (inference uses the same fixed steps as training).
         *
         * @param atol absolute tolerance (bioplnn: 1e-6)
         * @param rtol relative tolerance (bioplnn: 1e-3)
         */
        public Builder adaptiveInference(double atol, double rtol) {
            this.adaptiveInference = true;
            this.inferenceAtol = atol;
            this.inferenceRtol = rtol;
            return this;
        }

        /** Step budget per sample of adaptive inference; exceeding it is an error. Default: 100,000. */
        public Builder inferenceMaxSteps(int maxSteps) {
            this.inferenceMaxSteps = maxSteps;
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
            int n = connectome.numNeurons();
            int k = connectome.numTypes();
            if (inputProjection.numNeurons() != n) {
                throw new IllegalArgumentException(who + ": inputProjection has " + inputProjection.numNeurons()
                        + " rows, expected one per neuron (" + n + ")");
            }
            if (nIn > 0 && nIn != inputProjection.numInputs()) {
                throw new IllegalArgumentException(who + ": nIn = " + nIn + " but the input projection has "
                        + inputProjection.numInputs() + " columns");
            }
            nIn = inputProjection.numInputs();
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
            if (nOut > 0 && nOut != outputs) {
                throw new IllegalArgumentException(who + ": nOut = " + nOut + " but " + outputs
                        + " neurons are output");
            }
            nOut = outputs;
            if (initialBias != null) {
                checkFiniteArray(who, "initialBias", initialBias, n, Double.NEGATIVE_INFINITY);
            }
            if (typePairGainInit != null) {
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
            if (!Double.isFinite(startTime) || !Double.isFinite(endTime) || !(endTime > startTime)) {
                throw new IllegalArgumentException(who + ": timeSpan [" + startTime + ", " + endTime
                        + "]: expected finite start < end");
            }
            if (numSteps < 2) {
                throw new IllegalArgumentException(who + ": numSteps = " + numSteps
                        + ": expected at least 2 evaluation points");
            }
            if (stepsPerInterval < 1) {
                throw new IllegalArgumentException(who + ": stepsPerInterval = " + stepsPerInterval
                        + ": expected at least 1");
            }
            if (adaptiveInference) {
                try {
                    new IntegralController(inferenceAtol, inferenceRtol);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(who + ": adaptiveInference: " + e.getMessage(), e);
                }
            }
            if (inferenceMaxSteps < 1) {
                throw new IllegalArgumentException(who + ": inferenceMaxSteps = " + inferenceMaxSteps
                        + ": expected at least 1");
            }
            Objects.requireNonNull(tauMode, "tauMode");
            Objects.requireNonNull(initialState, "initialState");
            Objects.requireNonNull(dataFormat, "dataFormat");
            return new ConnectomeOdeLayer(this);
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
    }
}
