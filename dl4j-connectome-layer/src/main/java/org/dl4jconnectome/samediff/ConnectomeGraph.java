package org.dl4jconnectome.samediff;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.layer.ConnectomeOdeParamInitializer;
import org.dl4jconnectome.layer.InitialState;
import org.dl4jconnectome.layer.TauMode;
import org.dl4jconnectome.ode.ButcherTableau;
import org.dl4jconnectome.ode.StepSchedule;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.samediff.NameScope;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.CheckNumerics;
import org.nd4j.linalg.api.ops.impl.transforms.same.Identity;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The model of a {@link ConnectomeOdeLayer} configuration defined inside a SameDiff graph, with dense ops: the same
 * dynamics, the same unrolled fixed-step Runge–Kutta method and the same step schedule as the layer (steps split at
 * the input's bin edges), so the graph computes the layer's output (to rounding) and SameDiff's autodiff gives its
 * gradients.
 * <pre>
 *   SameDiff sd = SameDiff.create();
 *   SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, numInputs);        // or [-1, I, T] for T bins
 *   ConnectomeGraph model = ConnectomeGraph.builder(layerConfiguration).build(sd, x);
 *   SDVariable h = model.output();                                            // what the layer outputs
 *   ... a readout, a loss, sd.setTrainingConfig(...), sd.fit(...)
 * </pre>
 * <b>Variables.</b> Under the model's {@link Builder#name name} ("connectome" by default) the graph holds the layer's
 * parameters by their keys: "connectome/W" synapse magnitudes as a dense N×N matrix (row = receiving neuron; only
 * the connectome's entries take effect, the others are masked out and get zero gradient), "connectome/G" type-pair
 * gains K×K [post type][pre type] (with type-pair gains), "connectome/tau" [K] or [N], "connectome/b" [N] and
 * "connectome/U" the input projection as a dense N×I matrix (masked likewise). Parameters the layer trains are
 * trainable variables, the others constants; all start from the layer's initial values. The outputs are
 * "connectome/states" (the states at the evaluation points, [B, N_out, P] for NCW or [B, P, N_out] for NWC) and
 * "connectome/finalState" (h(t1), [B, N_out]); {@link #output()} is the one the layer outputs.
 * <p>
 * <b>Input.</b> [B, I] is held constant over [t0, t1]; a sequence [B, I, T] (NCW) or [B, T, I] (NWC) is piecewise
 * constant on T bins. The graph is unrolled for one T, taken from the input's declared shape (or
 * {@link Builder#inputBins}); an input of any other shape is refused with an {@link IllegalArgumentException} naming
 * both shapes before any op reads it (a graph without this model's listener, e.g. one loaded without
 * {@link #attach}, still refuses it: a check op in the graph fails and libnd4j prints the expected shape).
 * <p>
 * <b>Bounds.</b> W ≥ 0, G ≥ 0 and τ ≥ τ_min are kept as the layer keeps them: by projection after every update.
 * The builder registers a listener on the graph that, after every training iteration of {@code sd.fit}, clamps the
 * trainable W, G and τ to their bounds in place (what the layer does after every update, and what bioplnn does before
 * every forward pass), so a graph trained with the same updater follows the same parameters as the layer. The forward
 * pass itself uses the parameters as they are: after updating them by other means, call {@link #applyConstraints()}.
 * {@code SameDiff.setListeners} replaces all listeners, this one included ({@code addListeners} keeps it; it is
 * {@link #listener()}), and saved graphs do not keep listeners: after {@code SameDiff.load}, call {@link #attach}.
 * <p>
 * <b>Size.</b> Every product with the recurrent matrix is a dense [B, N]·[N, N] product and training holds several
 * N×N arrays (the masked matrix, its gradient, the updater's state), so the dense form is limited to
 * {@link #MAX_NEURONS} neurons; larger connectomes are refused with a clear error (the layer's sparse runtime has no
 * such limit and is the faster one at every size: see the project's README).
 * <p>
 * What the graph leaves out: the layer's adaptive inference solver (the graph always takes the fixed training steps,
 * so its output is the layer's training-mode output), sequence masks, and the DL4J settings of the layer (updater,
 * regularization, dropout, DL4J constraints), which in SameDiff belong to the {@code TrainingConfig}.
 */
public final class ConnectomeGraph {
    /**
     * The most neurons the dense form accepts. At N = 4096 one N×N matrix is 67 MB in float32 (134 MB in float64), and
     * a training step holds several (the masked matrix, its gradient, the updater's state of a trained W).
     */
    public static final int MAX_NEURONS = 4096;
    /** The default name under which the model's variables are created. */
    public static final String DEFAULT_NAME = "connectome";

    private static final String STATES = "states";
    private static final String FINAL_STATE = "finalState";
    private static final String INPUT = "input";
    private static final String INPUT_SHAPE = "inputShape";
    private static final String INITIAL_STATE = "initialState";
    private static final List<String> KEYS = List.of(ConnectomeOdeParamInitializer.SYNAPSE_KEY,
            ConnectomeOdeParamInitializer.GAIN_KEY, ConnectomeOdeParamInitializer.TAU_KEY,
            ConnectomeOdeParamInitializer.BIAS_KEY, ConnectomeOdeParamInitializer.INPUT_WEIGHT_KEY);

    private final SameDiff sd;
    private final ConnectomeOdeLayer conf;
    private final String name;
    private final String who;
    private final DenseForm form;
    /** Every parameter of the model (trainable variables and constants), by layer key, in the layer's order. */
    private final Map<String, SDVariable> variables;
    private final List<String> trainable;
    private final SDVariable states;
    private final SDVariable finalState;
    private final GraphGuard guard;

    private ConnectomeGraph(SameDiff sd, ConnectomeOdeLayer conf, String name, DenseForm form,
                            Map<String, SDVariable> variables, SDVariable states, SDVariable finalState,
                            GraphGuard guard) {
        this.sd = sd;
        this.conf = conf;
        this.name = name;
        this.who = describe(name);
        this.form = form;
        this.variables = Collections.unmodifiableMap(variables);
        this.trainable = ConnectomeOdeParamInitializer.getInstance().paramKeys(conf);
        this.states = states;
        this.finalState = finalState;
        this.guard = guard;
    }

    /** A builder for the model of this layer configuration (checked when the model is built). */
    public static Builder builder(ConnectomeOdeLayer configuration) {
        return new Builder(configuration);
    }

    /**
     * The model of that name in a graph that holds it, for example one read back with {@code SameDiff.load}: checks
     * that its variables are those of this configuration and registers the model's listener on the graph again (input
     * checks, bounds after every training iteration), unless it is registered already.
     *
     * @throws IllegalArgumentException if the graph holds no such model or its variables do not fit the configuration
     */
    public static ConnectomeGraph attach(SameDiff sd, ConnectomeOdeLayer configuration, String name) {
        Objects.requireNonNull(sd, "sd");
        Objects.requireNonNull(configuration, "configuration");
        String who = describe(name);
        ConnectomeOdeLayer conf = checked(who, configuration);
        DenseForm form = new DenseForm(conf);
        List<String> trainable = ConnectomeOdeParamInitializer.getInstance().paramKeys(conf);
        Map<String, SDVariable> vars = new LinkedHashMap<>();
        for (String key : keys(conf)) {
            SDVariable v = existing(sd, who, name + "/" + key);
            VariableType expected = trainable.contains(key) ? VariableType.VARIABLE : VariableType.CONSTANT;
            if (v.getVariableType() != expected || !Arrays.equals(v.getShape(), form.shape(key))) {
                throw new IllegalArgumentException(who + ": '" + v.name() + "' is a " + v.getVariableType() + " of shape "
                        + Arrays.toString(v.getShape()) + ", but this configuration has a " + expected + " of shape "
                        + Arrays.toString(form.shape(key)) + ": the graph was built from another configuration");
            }
            vars.put(key, v);
        }
        SDVariable states = existing(sd, who, name + "/" + STATES);
        SDVariable finalState = existing(sd, who, name + "/" + FINAL_STATE);
        String inputName = sd.getVariableOutputOp(existing(sd, who, name + "/" + INPUT).name()).args()[0].name();
        long[] dims = sd.getArrForVarName(existing(sd, who, name + "/" + INPUT_SHAPE).name()).toLongVector();
        DifferentialFunction init = sd.getVariableOutputOp(existing(sd, who, name + "/" + INITIAL_STATE).name());
        String initialState = init instanceof Identity ? init.args()[0].name() : null;
        InputLayout layout = InputLayout.of(who, conf, dims.length == 1 ? 0
                : (int) dims[conf.getRnnDataFormat() == RNNFormat.NCW ? 1 : 0]);
        if (!Arrays.equals(layout.dims, dims)) {
            throw new IllegalArgumentException(who + ": the graph's input is [B, " + Arrays.toString(dims)
                    .replaceAll("[\\[\\]]", "") + "], which does not fit this configuration ("
                    + conf.getNIn() + " inputs, " + conf.getRnnDataFormat() + ")");
        }
        GraphGuard guard = null;
        for (Listener l : sd.getListeners()) {
            if (l instanceof GraphGuard && ((GraphGuard) l).who().equals(who)) {
                guard = (GraphGuard) l;
            }
        }
        if (guard == null) {
            guard = newGuard(who, name, conf, inputName, layout, initialState);
            sd.addListeners(guard);
        }
        return new ConnectomeGraph(sd, conf, name, form, vars, states, finalState, guard);
    }

    /** What the layer outputs: {@link #states()}, or {@link #finalState()} for a layer with outputSequence(false). */
    public SDVariable output() {
        return conf.isOutputSequence() ? states : finalState;
    }

    /**
     * The states of the output neurons at the P evaluation points linspace(t0, t1, P), [B, N_out, P] (NCW) or
     * [B, P, N_out] (NWC) as the layer's data format; the first is h(t0).
     */
    public SDVariable states() {
        return states;
    }

    /** h(t1) of the output neurons, [B, N_out]. */
    public SDVariable finalState() {
        return finalState;
    }

    /** The trainable variables, by the layer's parameter keys, in the layer's order. */
    public Map<String, SDVariable> parameters() {
        Map<String, SDVariable> m = new LinkedHashMap<>();
        for (String key : trainable) {
            m.put(key, variables.get(key));
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * The variable of a parameter key ("W", "G", "tau", "b", "U"): a trainable variable, or a constant when the layer
     * does not train it.
     *
     * @throws IllegalArgumentException for a key the configuration does not have
     */
    public SDVariable parameter(String key) {
        SDVariable v = variables.get(key);
        if (v == null) {
            throw new IllegalArgumentException(who + ": no parameter '" + key + "': expected one of "
                    + variables.keySet());
        }
        return v;
    }

    public SameDiff sameDiff() {
        return sd;
    }

    /** The name under which the variables were created. */
    public String name() {
        return name;
    }

    /** The layer configuration the model was built from (a copy). */
    public ConnectomeOdeLayer configuration() {
        return conf.clone();
    }

    /** The listener that checks inputs and keeps the bounds; registered on the graph by the builder. */
    public Listener listener() {
        return guard;
    }

    /** Clamps the trainable W and G to ≥ 0 and τ to ≥ τ_min, in place (sd.fit does it after every iteration). */
    public void applyConstraints() {
        guard.project(sd);
    }

    /**
     * Copies the parameters of a DL4J connectome layer (for example {@code net.getLayer(0)}) into this graph: its
     * trainable parameters by key, and the fixed values of its configuration into the graph's constants, so that the
     * graph then computes what the layer computes.
     *
     * @throws IllegalArgumentException if the layer is not a connectome layer with this configuration's parameters
     */
    public void copyFrom(Layer layer) {
        ConnectomeOdeLayer other = compatible(layer);
        Map<String, INDArray> table = layer.paramTable();
        for (Map.Entry<String, SDVariable> e : variables.entrySet()) {
            String key = e.getKey();
            INDArray p = table.get(key);
            double[] values = p != null ? p.dup().data().asDouble()
                    : ConnectomeOdeParamInitializer.initialValues(other, key);
            INDArray target = e.getValue().getArr();
            target.assign(Nd4j.createFromArray(form.toGraph(key, values)).reshape(target.shape())
                    .castTo(target.dataType()));
        }
    }

    /**
     * Copies this graph's trainable parameters into a DL4J connectome layer (for example {@code net.getLayer(0)}), by
     * key. Nothing is written unless every value is within the layer's bounds and the graph's constants equal the
     * fixed values of the layer's configuration.
     *
     * @throws IllegalArgumentException if the layer does not match, a value is out of bounds (call
     *                                  {@link #applyConstraints()} first) or a constant differs
     */
    public void copyTo(Layer layer) {
        ConnectomeOdeLayer other = compatible(layer);
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, SDVariable> e : variables.entrySet()) {
            String key = e.getKey();
            INDArray arr = e.getValue().getArr();
            double[] values = form.toLayer(key, arr.castTo(DataType.DOUBLE).dup().data().asDouble());
            if (trainable.contains(key)) {
                checkBounds(key, values);
                out.put(key, values);
            } else {
                double[] fixed = Nd4j.createFromArray(ConnectomeOdeParamInitializer.initialValues(other, key))
                        .castTo(arr.dataType()).castTo(DataType.DOUBLE).toDoubleVector();
                if (!Arrays.equals(values, fixed)) {
                    throw new IllegalArgumentException(who + ": constant '" + e.getValue().name() + "' differs from "
                            + "the fixed '" + key + "' of the layer's configuration, which the layer cannot receive");
                }
            }
        }
        for (Map.Entry<String, double[]> e : out.entrySet()) {
            INDArray p = layer.getParam(e.getKey());
            layer.setParam(e.getKey(), Nd4j.createFromArray(e.getValue()).reshape(p.shape()).castTo(p.dataType()));
        }
    }

    private void checkBounds(String key, double[] values) {
        double min = ConnectomeOdeParamInitializer.TAU_KEY.equals(key) ? conf.getTauMin()
                : ConnectomeOdeParamInitializer.SYNAPSE_KEY.equals(key)
                || ConnectomeOdeParamInitializer.GAIN_KEY.equals(key) ? 0.0 : Double.NEGATIVE_INFINITY;
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i]) || values[i] < min) {
                throw new IllegalArgumentException(who + ": parameter '" + key + "'[" + i + "] = " + values[i]
                        + ": expected a finite value" + (min == Double.NEGATIVE_INFINITY ? "" : " >= " + min)
                        + " (call applyConstraints() to restore the bounds)");
            }
        }
    }

    /** The layer's configuration, if its parameters have this graph's layout. */
    private ConnectomeOdeLayer compatible(Layer layer) {
        Objects.requireNonNull(layer, "layer");
        if (layer.conf() == null || !(layer.conf().getLayer() instanceof ConnectomeOdeLayer)) {
            throw new IllegalArgumentException(who + ": expected a layer of a ConnectomeOdeLayer, got "
                    + layer.getClass().getSimpleName());
        }
        ConnectomeOdeLayer other = (ConnectomeOdeLayer) layer.conf().getLayer();
        Connectome a = conf.getConnectome();
        Connectome b = other.getConnectome();
        CsrMatrix ua = conf.getInputProjection().matrix();
        CsrMatrix ub = other.getInputProjection().matrix();
        String differs = a.numNeurons() != b.numNeurons() ? "the number of neurons"
                : !sameStructure(a.synapses(), b.synapses()) ? "the connectome's synapses"
                : !Arrays.equals(a.types().typeIds(), b.types().typeIds()) ? "the neuron types"
                : !sameStructure(ua, ub) ? "the input projection's entries"
                : conf.isTypePairGains() != other.isTypePairGains() ? "typePairGains"
                : conf.getTauMode() != other.getTauMode() ? "tauMode"
                : !trainable.equals(ConnectomeOdeParamInitializer.getInstance().paramKeys(other))
                ? "which parameters are trained" : null;
        if (differs != null) {
            throw new IllegalArgumentException(who + ": the layer's parameters do not fit this graph: " + differs
                    + " differ");
        }
        return other;
    }

    private static boolean sameStructure(CsrMatrix x, CsrMatrix y) {
        return x.rows() == y.rows() && x.cols() == y.cols() && Arrays.equals(x.rowPointers(), y.rowPointers())
                && Arrays.equals(x.columnIndices(), y.columnIndices());
    }

    private static String describe(String name) {
        return "ConnectomeGraph '" + name + "'";
    }

    private static ConnectomeOdeLayer checked(String who, ConnectomeOdeLayer conf) {
        try {
            conf.validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(who + ": " + e.getMessage(), e);
        }
        int n = conf.numNeurons();
        if (n > MAX_NEURONS) {
            throw new IllegalArgumentException(who + ": the connectome has " + n + " neurons, more than the "
                    + MAX_NEURONS + " (MAX_NEURONS) of the dense SameDiff form, which holds N x N matrices: use "
                    + "ConnectomeOdeLayer, whose sparse runtime has no such limit");
        }
        return conf.clone();
    }

    private static SDVariable existing(SameDiff sd, String who, String variable) {
        if (!sd.hasVariable(variable)) {
            throw new IllegalArgumentException(who + ": the graph has no variable '" + variable + "': no model of "
                    + "this name was built in it");
        }
        return sd.getVariable(variable);
    }

    /** The parameter keys of a configuration, trained or not: W, G (with type-pair gains), tau, b, U. */
    private static List<String> keys(ConnectomeOdeLayer conf) {
        List<String> keys = new ArrayList<>(KEYS);
        if (!conf.isTypePairGains()) {
            keys.remove(ConnectomeOdeParamInitializer.GAIN_KEY);
        }
        return keys;
    }

    private static GraphGuard newGuard(String who, String name, ConnectomeOdeLayer conf, String inputName,
                                       InputLayout layout, String initialState) {
        List<String> trained = ConnectomeOdeParamInitializer.getInstance().paramKeys(conf);
        Map<String, Double> bounds = new LinkedHashMap<>();
        for (String key : List.of(ConnectomeOdeParamInitializer.SYNAPSE_KEY, ConnectomeOdeParamInitializer.GAIN_KEY,
                ConnectomeOdeParamInitializer.TAU_KEY)) {
            if (trained.contains(key)) {
                bounds.put(name + "/" + key, ConnectomeOdeParamInitializer.TAU_KEY.equals(key) ? conf.getTauMin()
                        : 0.0);
            }
        }
        return new GraphGuard(who, inputName, layout.dims, layout.expected, initialState, conf.numNeurons(), bounds);
    }

    /** The input's shape without the batch dimension, and how to say what is expected. */
    private static final class InputLayout {
        final int bins;
        final long[] dims;
        final int timeAxis;
        final String expected;

        private InputLayout(int bins, long[] dims, int timeAxis, String expected) {
            this.bins = bins;
            this.dims = dims;
            this.timeAxis = timeAxis;
            this.expected = expected;
        }

        static InputLayout of(String who, ConnectomeOdeLayer conf, int bins) {
            long features = conf.getNIn();
            if (bins < 0) {
                throw new IllegalArgumentException(who + ": inputBins = " + bins + ": expected 0 (a constant input) "
                        + "or a number of time bins >= 1");
            }
            if (bins == 0) {
                return new InputLayout(0, new long[] {features}, -1, "[B, " + features + "] (a constant input [B, I])");
            }
            boolean ncw = conf.getRnnDataFormat() == RNNFormat.NCW;
            String shape = ncw ? "[B, " + features + ", " + bins + "] ([B, I, T], NCW)"
                    : "[B, " + bins + ", " + features + "] ([B, T, I], NWC)";
            return new InputLayout(bins, ncw ? new long[] {features, bins} : new long[] {bins, features},
                    ncw ? 2 : 1, shape + ": this graph is unrolled for exactly " + bins
                    + " time bins (build one graph per sequence length)");
        }
    }

    /**
     * Builder of a {@link ConnectomeGraph}; {@link #build} checks the configuration (as the layer does), the size
     * limit and the input.
     */
    public static final class Builder {
        private final ConnectomeOdeLayer conf;
        private String name = DEFAULT_NAME;
        private Integer inputBins;
        private SDVariable initialState;

        private Builder(ConnectomeOdeLayer conf) {
            this.conf = Objects.requireNonNull(conf, "configuration");
        }

        /**
         * The prefix of the model's variables ("name/W", "name/states", ...), so that a graph can hold several
         * models. Default: {@link ConnectomeGraph#DEFAULT_NAME} ("connectome").
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * 0: the input is [B, I], held constant; T ≥ 1: the input is a sequence of T bins. Needed only when the input's
         * shape is not declared (an op's output, or a placeholder whose T is -1). Default: from the input's declared
         * shape.
         */
        public Builder inputBins(int bins) {
            this.inputBins = bins;
            return this;
        }

        /**
         * The state h(t0), a [B, N] variable of the graph (for example the final state of a previous window), as the
         * layer's {@code setInitialState}. Default: the configuration's {@link InitialState} (zeros unless set).
         */
        public Builder initialState(SDVariable state) {
            this.initialState = state;
            return this;
        }

        /**
         * Defines the model in the graph, reading the given input, and registers its listener on the graph.
         *
         * @throws IllegalArgumentException naming the model and what is wrong: an invalid configuration, more than
         *                                  {@link #MAX_NEURONS} neurons, a name already used in the graph, an input
         *                                  of another graph, not floating point, of the wrong declared shape, or of
         *                                  an undeclared time length without {@link #inputBins}
         */
        public ConnectomeGraph build(SameDiff sd, SDVariable input) {
            Objects.requireNonNull(sd, "sd");
            Objects.requireNonNull(input, "input");
            if (name == null || name.isEmpty() || name.contains("/")) {
                throw new IllegalArgumentException("ConnectomeGraph: name = '" + name + "': expected a non-empty "
                        + "name without '/'");
            }
            String who = describe(name);
            ConnectomeOdeLayer c = checked(who, conf);
            if (input.getSameDiff() != sd || (initialState != null && initialState.getSameDiff() != sd)) {
                throw new IllegalArgumentException(who + ": the input and the initial state must be variables of "
                        + "the given graph");
            }
            if (sd.hasVariable(name + "/" + STATES)) {
                throw new IllegalArgumentException(who + ": the graph already holds a model of this name: choose "
                        + "another name(...)");
            }
            DataType dt = input.dataType();
            if (!dt.isFPType()) {
                throw new IllegalArgumentException(who + ": input '" + input.name() + "' is of type " + dt
                        + ": expected a floating-point type");
            }
            InputLayout layout = InputLayout.of(who, c, bins(who, c, input));
            return new Definition(sd, c, name, dt, layout).define(input, initialState);
        }

        /** The number of bins: given, or read from the input's declared shape, and checked against it. */
        private int bins(String who, ConnectomeOdeLayer c, SDVariable input) {
            long[] shape = input.getShape();
            boolean ncw = c.getRnnDataFormat() == RNNFormat.NCW;
            int bins;
            if (inputBins != null) {
                bins = inputBins;
            } else if (shape == null) {
                throw new IllegalArgumentException(who + ": the shape of input '" + input.name() + "' is not known "
                        + "when the graph is built: call inputBins(0) for a constant input [B, I] or inputBins(T) for "
                        + "a sequence of T bins");
            } else if (shape.length == 2) {
                bins = 0;
            } else if (shape.length == 3 && shape[ncw ? 2 : 1] >= 1) {
                bins = (int) shape[ncw ? 2 : 1];
            } else if (shape.length == 3) {
                throw new IllegalArgumentException(who + ": input '" + input.name() + "' is declared as "
                        + Arrays.toString(shape) + " with no time length: the graph is unrolled for a fixed number of "
                        + "time bins T, so declare T in the shape or call inputBins(T)");
            } else {
                throw new IllegalArgumentException(who + ": input '" + input.name() + "' is declared as "
                        + Arrays.toString(shape) + ": expected [B, I] or a sequence " + (ncw ? "[B, I, T]"
                        : "[B, T, I]"));
            }
            if (shape != null) {
                InputLayout expected = InputLayout.of(who, c, bins);
                boolean ok = shape.length == expected.dims.length + 1;
                for (int d = 0; ok && d < expected.dims.length; d++) {
                    ok = shape[d + 1] < 0 || shape[d + 1] == expected.dims[d];
                }
                if (!ok) {
                    throw new IllegalArgumentException(who + ": input '" + input.name() + "' is declared as "
                            + Arrays.toString(shape) + ", expected " + expected.expected);
                }
            }
            return bins;
        }
    }

    /** Builds the ops of one model. */
    private static final class Definition {
        private final SameDiff sd;
        private final ConnectomeOdeLayer conf;
        private final String name;
        private final DataType dt;
        private final InputLayout layout;
        private final DenseForm form;
        private final int n;

        Definition(SameDiff sd, ConnectomeOdeLayer conf, String name, DataType dt, InputLayout layout) {
            this.sd = sd;
            this.conf = conf;
            this.name = name;
            this.dt = dt;
            this.layout = layout;
            this.form = new DenseForm(conf);
            this.n = form.n;
        }

        private INDArray array(double[] values, long... shape) {
            return Nd4j.createFromArray(values).reshape(shape).castTo(dt);
        }

        private SDVariable constant(String suffix, double[] values, long... shape) {
            return sd.constant(name + "/" + suffix, array(values, shape));
        }

        ConnectomeGraph define(SDVariable input, SDVariable givenInitialState) {
            String who = describe(name);
            List<String> trainable = ConnectomeOdeParamInitializer.getInstance().paramKeys(conf);
            Map<String, SDVariable> vars = new LinkedHashMap<>();
            for (String key : keys(conf)) {
                INDArray init = array(form.toGraph(key, ConnectomeOdeParamInitializer.initialValues(conf, key)),
                        form.shape(key));
                String vn = name + "/" + key;
                vars.put(key, trainable.contains(key) ? sd.var(vn, init) : sd.constant(vn, init));
            }
            SDVariable w = vars.get(ConnectomeOdeParamInitializer.SYNAPSE_KEY);
            SDVariable gains = vars.get(ConnectomeOdeParamInitializer.GAIN_KEY);
            SDVariable tau = vars.get(ConnectomeOdeParamInitializer.TAU_KEY);
            SDVariable bias = vars.get(ConnectomeOdeParamInitializer.BIAS_KEY);
            SDVariable u = vars.get(ConnectomeOdeParamInitializer.INPUT_WEIGHT_KEY);
            int k = form.k;
            SDVariable states;
            SDVariable finalState;
            try (NameScope scope = sd.withNameScope(name)) {
                SDVariable x = checkedInput(who, input);
                SDVariable types = gains != null || conf.getTauMode() == TauMode.PER_TYPE
                        ? constant("typeOneHot", form.typeOneHot(), n, k) : null;
                // A = W ⊙ s ⊙ G[κ(post), κ(pre)]: the signs also mask out the pairs without a synapse.
                SDVariable a = w.mul(constant("signs", form.signMatrix(), n, n));
                if (gains != null) {
                    a = a.mul(sd.mmul(sd.mmul(types, gains), types, false, true, false));
                }
                // τ of every neuron, [1, N] (a product, not a sum over types: M2.1 fails to reduce a size-1 axis).
                SDVariable tauPerNeuron = conf.getTauMode() == TauMode.PER_TYPE
                        ? sd.mmul(sd.reshape(tau, 1, k), types, false, true, false) : tau;
                SDVariable inputWeights = trainable.contains(ConnectomeOdeParamInitializer.INPUT_WEIGHT_KEY)
                        ? u.mul(constant("inputMask", form.inputMask(), n, form.inputs)) : u;
                SDVariable[] bins = layout.bins == 0 ? new SDVariable[] {x}
                        : sd.unstack(x, layout.timeAxis, layout.bins);
                SDVariable[] drive = new SDVariable[bins.length];
                for (int s = 0; s < bins.length; s++) {
                    drive[s] = sd.mmul(bins[s], inputWeights, false, true, false).add(bias);
                }
                SDVariable h0 = givenInitialState != null ? sd.identity(name + "/" + INITIAL_STATE, givenInitialState)
                        : conf.getInitialState() == InitialState.ONES ? sd.onesLike(name + "/" + INITIAL_STATE, drive[0])
                        : sd.zerosLike(name + "/" + INITIAL_STATE, drive[0]);
                Field field = new Field(a, tauPerNeuron, activations());
                SDVariable[] points = integrate(field, h0, drive);
                SDVariable selection = conf.getOutputNeurons() == null ? null
                        : constant("outputSelection", form.selection(conf.getOutputNeurons()), n,
                        conf.getOutputNeurons().length);
                SDVariable[] out = new SDVariable[points.length];
                for (int p = 0; p < points.length; p++) {
                    out[p] = selection == null ? points[p] : sd.mmul(points[p], selection);
                }
                boolean ncw = conf.getRnnDataFormat() == RNNFormat.NCW;
                states = sd.stack(name + "/" + STATES, ncw ? 2 : 1, out);
                finalState = sd.identity(name + "/" + FINAL_STATE, out[out.length - 1]);
            }
            String initialName = givenInitialState == null ? null : givenInitialState.name();
            GraphGuard guard = newGuard(who, name, conf, input.name(), layout, initialName);
            sd.addListeners(guard);
            return new ConnectomeGraph(sd, conf, name, form, vars, states, finalState, guard);
        }

        /**
         * The input, multiplied by 1 after a check in the graph itself that its shape is the one unrolled for: a
         * mismatch makes the factor +∞, and check_numerics (the one ND4J op that fails with a message of ours) then
         * fails, so that even a graph without this model's listener refuses the input instead of using it.
         */
        private SDVariable checkedInput(String who, SDVariable input) {
            int rank = layout.dims.length + 1;
            SDVariable dims = sd.shape(input).get(SDIndex.interval(1, rank));
            SDVariable expected = sd.constant(name + "/" + INPUT_SHAPE, Nd4j.createFromArray(layout.dims));
            SDVariable mismatch = sd.math.abs(dims.sub(expected)).sum().castTo(dt)
                    .add(sd.math.abs(sd.rank(input).castTo(dt).sub(rank)));
            SDVariable factor = sd.math.sign(mismatch).rsub(1.0).rdiv(1.0);
            SDVariable message = sd.constant(name + "/inputShapeMessage", Nd4j.scalar(who + ": the input must be "
                    + layout.expected));
            SDVariable checked = new CheckNumerics(sd, factor, message).outputVariable();
            return input.mul(name + "/" + INPUT, checked);
        }

        /** The unrolled steps of the layer's schedule; returns the state at every evaluation point. */
        private SDVariable[] integrate(Field f, SDVariable h0, SDVariable[] drive) {
            ButcherTableau tab = conf.getSolver().method().tableau();
            int stages = tab.solutionStages();
            StepSchedule schedule = StepSchedule.fixed(conf.getStartTime(), conf.getEndTime(),
                    conf.getNumEvaluationPoints(), conf.getSolver().stepsPerInterval(), drive.length);
            SDVariable[] points = new SDVariable[schedule.numPoints()];
            points[0] = h0;
            SDVariable y = h0;
            for (int step = 0; step < schedule.numSteps(); step++) {
                double h = schedule.stepSize(step);
                SDVariable d = drive[schedule.stepSegment(step)];
                SDVariable[] k = new SDVariable[stages];
                for (int i = 0; i < stages; i++) {
                    SDVariable yi = y;
                    for (int j = 0; j < i; j++) {
                        double weight = h * tab.a(i, j);
                        if (weight != 0) {
                            yi = yi.add(k[j].mul(weight));
                        }
                    }
                    k[i] = f.evaluate(yi, d);
                }
                for (int i = 0; i < stages; i++) {
                    double weight = h * tab.b(i);
                    if (weight != 0) {
                        y = y.add(k[i].mul(weight));
                    }
                }
                int p = schedule.pointAfterStep(step);
                if (p >= 0) {
                    points[p] = y;
                }
            }
            return points;
        }

        /** Each nonlinearity in use, with the mask of its neurons (null when every neuron has it). */
        private Map<Nonlinearity, SDVariable> activations() {
            Connectome c = conf.getConnectome();
            Map<Nonlinearity, double[]> masks = new EnumMap<>(Nonlinearity.class);
            for (int i = 0; i < n; i++) {
                masks.computeIfAbsent(c.typeNonlinearity(c.types().typeOf(i)), phi -> new double[n])[i] = 1.0;
            }
            Map<Nonlinearity, SDVariable> out = new EnumMap<>(Nonlinearity.class);
            for (Map.Entry<Nonlinearity, double[]> e : masks.entrySet()) {
                out.put(e.getKey(), masks.size() == 1 ? null
                        : constant("mask" + e.getKey().name(), e.getValue(), n));
            }
            return out;
        }

        /** τ dh/dt = −h + ReLU(φ(h·Aᵀ + drive)) for a batch of states [B, N]. */
        private final class Field {
            private final SDVariable a;
            private final SDVariable tau;
            private final Map<Nonlinearity, SDVariable> phi;

            Field(SDVariable a, SDVariable tau, Map<Nonlinearity, SDVariable> phi) {
                this.a = a;
                this.tau = tau;
                this.phi = phi;
            }

            SDVariable evaluate(SDVariable y, SDVariable drive) {
                SDVariable z = sd.mmul(y, a, false, true, false).add(drive);
                SDVariable act = null;
                for (Map.Entry<Nonlinearity, SDVariable> e : phi.entrySet()) {
                    SDVariable mask = e.getValue();
                    // Masking z too keeps other types' pre-activations out of this φ (no overflow to ∞·0 = NaN).
                    SDVariable v = sd.nn.relu(apply(e.getKey(), mask == null ? z : z.mul(mask)), 0);
                    v = mask == null ? v : v.mul(mask);
                    act = act == null ? v : act.add(v);
                }
                return act.sub(y).div(tau);
            }

            private SDVariable apply(Nonlinearity f, SDVariable z) {
                switch (f) {
                    case SIGMOID:
                        return sd.nn.sigmoid(z);
                    case TANH:
                        return sd.math.tanh(z);
                    case RELU:
                        return sd.nn.relu(z, 0);
                    case SOFTPLUS:
                        return sd.nn.softplus(z);
                    case IDENTITY:
                        return z;
                    case ELU:
                        return sd.nn.elu(z);
                    case SILU:
                        return sd.nn.swish(z);
                    default:
                        throw new IllegalStateException("no SameDiff form of " + f);
                }
            }
        }
    }
}
