package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.dl4jconnectome.connectome.Connectome;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters of {@link ConnectomeOdeLayer}, in this order, each present only when trainable: "W" (synapse
 * magnitudes, one per stored synapse in CSR order), "G" (type-pair gains, K×K row-major [post type][pre type]),
 * "tau" (per type or per neuron), "b" (bias per neuron), "U" (input projection values in CSR order). Every parameter
 * is a row vector [1, n] viewing the network's flattened parameter array.
 */
public final class ConnectomeOdeParamInitializer implements ParamInitializer {
    public static final String SYNAPSE_KEY = "W";
    public static final String GAIN_KEY = "G";
    public static final String TAU_KEY = "tau";
    public static final String BIAS_KEY = "b";
    public static final String INPUT_WEIGHT_KEY = "U";

    private static final ConnectomeOdeParamInitializer INSTANCE = new ConnectomeOdeParamInitializer();

    private ConnectomeOdeParamInitializer() {
    }

    public static ConnectomeOdeParamInitializer getInstance() {
        return INSTANCE;
    }

    private static ConnectomeOdeLayer conf(Layer layer) {
        if (!(layer instanceof ConnectomeOdeLayer)) {
            throw new IllegalArgumentException("expected a ConnectomeOdeLayer, got " + layer);
        }
        return (ConnectomeOdeLayer) layer;
    }

    /** Parameter names with their lengths, in storage order. */
    static Map<String, Long> lengths(ConnectomeOdeLayer l) {
        Map<String, Long> m = new LinkedHashMap<>();
        Connectome c = l.getConnectome();
        // An empty connectome or projection has nothing to train (DL4J has no zero-length parameters).
        if (l.isTrainSynapses() && c.numSynapses() > 0) {
            m.put(SYNAPSE_KEY, (long) c.numSynapses());
        }
        if (l.isTypePairGains() && l.isTrainTypePairGains()) {
            m.put(GAIN_KEY, (long) c.numTypes() * c.numTypes());
        }
        if (l.isTrainTau()) {
            m.put(TAU_KEY, (long) l.numTau());
        }
        if (l.isTrainBias()) {
            m.put(BIAS_KEY, (long) c.numNeurons());
        }
        if (l.isTrainInputWeights() && l.getInputProjection().matrix().nnz() > 0) {
            m.put(INPUT_WEIGHT_KEY, (long) l.getInputProjection().matrix().nnz());
        }
        return m;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        long n = 0;
        for (long len : lengths(conf(layer)).values()) {
            n += len;
        }
        return n;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return Collections.unmodifiableList(new ArrayList<>(lengths(conf(layer)).keySet()));
    }

    /** The "weights" for global weight constraints and L1/L2: synapse magnitudes, gains and input weights. */
    @Override
    public List<String> weightKeys(Layer layer) {
        List<String> keys = new ArrayList<>(paramKeys(layer));
        keys.retainAll(Arrays.asList(SYNAPSE_KEY, GAIN_KEY, INPUT_WEIGHT_KEY));
        return keys;
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return paramKeys(layer).contains(BIAS_KEY) ? Collections.singletonList(BIAS_KEY) : Collections.emptyList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return weightKeys(layer).contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BIAS_KEY.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        ConnectomeOdeLayer l = conf(conf.getLayer());
        Map<String, INDArray> views = split(l, paramsView);
        if (initializeParams) {
            for (Map.Entry<String, INDArray> e : views.entrySet()) {
                double[] init = initialValues(l, e.getKey());
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    e.getValue().assign(Nd4j.createFromArray(init).castTo(paramsView.dataType())
                            .reshape(e.getValue().shape()));
                }
            }
        }
        for (String key : views.keySet()) {
            conf.addVariable(key);
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return split(conf(conf.getLayer()), gradientView);
    }

    private static Map<String, INDArray> split(ConnectomeOdeLayer l, INDArray flat) {
        Map<String, Long> lengths = lengths(l);
        long total = 0;
        for (long len : lengths.values()) {
            total += len;
        }
        if (flat == null ? total != 0 : flat.length() != total) {
            throw new IllegalArgumentException(l.describe() + ": expected a parameter array of length " + total
                    + ", got " + (flat == null ? "none" : flat.length()));
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (total == 0) {
            return out;
        }
        INDArray row = flat.reshape(1, total);
        long offset = 0;
        for (Map.Entry<String, Long> e : lengths.entrySet()) {
            out.put(e.getKey(), row.get(NDArrayIndex.interval(0, 0, true),
                    NDArrayIndex.interval(offset, offset + e.getValue())));
            offset += e.getValue();
        }
        return out;
    }

    /**
     * Checks loaded parameter values against the layer's bounds: every value finite, W ≥ 0, G ≥ 0, τ ≥ tauMin.
     *
     * @throws IllegalArgumentException naming the layer, the parameter, the first offending index and its value
     */
    static void checkBounds(ConnectomeOdeLayer l, Map<String, INDArray> params) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            String key = e.getKey();
            double min = TAU_KEY.equals(key) ? l.getTauMin()
                    : SYNAPSE_KEY.equals(key) || GAIN_KEY.equals(key) ? 0.0 : Double.NEGATIVE_INFINITY;
            double[] v = e.getValue().dup().data().asDouble();
            for (int i = 0; i < v.length; i++) {
                if (!Double.isFinite(v[i]) || v[i] < min) {
                    throw new IllegalArgumentException(l.describe() + ": parameter '" + key + "'[" + i + "] = " + v[i]
                            + " violates the layer's bounds: expected a finite value"
                            + (min == Double.NEGATIVE_INFINITY ? "" : " >= " + min
                            + (TAU_KEY.equals(key) ? " (tauMin)" : "")));
                }
            }
        }
    }

    /**
     * The initial value of a parameter (or the fixed value of a frozen one), from the configuration, in the layout of
     * the parameter (CSR order for "W" and "U", [post type * K + pre type] for "G", per type or per neuron for "tau").
     *
     * @param l   the layer configuration
     * @param key one of {@link #SYNAPSE_KEY}, {@link #GAIN_KEY}, {@link #TAU_KEY}, {@link #BIAS_KEY},
     *            {@link #INPUT_WEIGHT_KEY}, whether trained or not
     * @return a new array
     * @throws IllegalArgumentException for another key
     */
    public static double[] initialValues(ConnectomeOdeLayer l, String key) {
        Connectome c = l.getConnectome();
        switch (key) {
            case SYNAPSE_KEY:
                return c.synapses().values();
            case GAIN_KEY: {
                double[] g = l.getTypePairGainInit();
                if (g == null) {
                    g = new double[c.numTypes() * c.numTypes()];
                    Arrays.fill(g, 1.0);
                }
                return g;
            }
            case TAU_KEY: {
                if (l.getTauMode() == TauMode.PER_TYPE) {
                    return c.typeTaus();
                }
                double[] tau = new double[c.numNeurons()];
                for (int i = 0; i < tau.length; i++) {
                    tau[i] = c.typeTau(c.types().typeOf(i));
                }
                return tau;
            }
            case BIAS_KEY: {
                double[] b = l.getInitialBias();
                return b == null ? new double[c.numNeurons()] : b;
            }
            case INPUT_WEIGHT_KEY:
                return l.getInputProjection().matrix().values();
            default:
                throw new IllegalArgumentException("unknown parameter '" + key + "'");
        }
    }
}
