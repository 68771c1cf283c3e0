package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.constraint.MaxNormConstraint;
import org.deeplearning4j.nn.conf.constraint.NonNegativeConstraint;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.ConnectomeCodec;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.datasets.FlyVisConnectome;
import org.dl4jconnectome.ode.RungeKuttaMethod;
import org.dl4jconnectome.ode.SolverSpec;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.dl4jconnectome.testutil.WorkedExample;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The builder's settings as DL4J users meet them: what is refused, what is copied, what is stored. */
class LayerSettingsTest {

    private static ConnectomeOdeLayer.Builder base() {
        return new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection());
    }

    private static void fails(Runnable r, String... expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        for (String s : expected) {
            assertTrue(e.getMessage().contains(s), "message '" + e.getMessage() + "' should mention '" + s + "'");
        }
    }

    @Test
    void settingsTheLayerDoesNotUseAreRefused() {
        fails(() -> base().activation(Activation.TANH).build(), "activation", "typeNonlinearity");
        fails(() -> base().weightInit(WeightInit.XAVIER).build(), "weightInit", "start from the connectome");
        fails(() -> base().weightInitRecurrent(WeightInit.XAVIER).build(), "weightInit");
        fails(() -> base().biasInit(0.3).build(), "biasInit(0.3)", "initialBias");
        fails(() -> base().nIn(7).build(), "nIn = 7", "3 columns");
        fails(() -> base().nOut(2).build(), "nOut = 2", "6 neurons are output");
    }

    @Test
    void globalDefaultsAreHarmlessAndNotStored() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .activation(Activation.RELU).weightInit(WeightInit.ONES).biasInit(3.0).list()
                .layer(base().evaluationPoints(5).stepsPerInterval(40).build())
                .setInputType(InputType.feedForward(WorkedExample.I)).build());
        net.init();
        // The worked example's exact solution: the global ReLU / ones / bias 3 changed nothing.
        INDArray out = net.output(Nd4j.createFromArray(WorkedExample.X));
        for (int s = 0; s < WorkedExample.B; s++) {
            for (int i = 0; i < WorkedExample.N; i++) {
                assertEquals(WorkedExample.EXACT_DALE[s][i], out.getDouble(s, i, 4), 1e-6);
            }
        }
        ConnectomeOdeLayer l = (ConnectomeOdeLayer) net.getLayerWiseConfigurations().getConf(0).getLayer();
        String json = NeuralNetConfiguration.mapper().writeValueAsString(l);
        for (String absent : new String[] {"activationFn", "weightInitFn", "biasInit", "gainInit",
            "weightInitFnRecurrent", "rnnDataFormat"}) {
            assertFalse(json.contains("\"" + absent + "\""), absent + " is not in the layer's JSON: " + json);
        }
    }

    /** Fields that always keep their default: what the layer does not use, or keeps elsewhere. */
    private static final Set<String> UNUSED = Set.of("activationFn", "weightInitFn", "weightInitFnRecurrent",
            "biasInit", "gainInit", "rnnDataFormat", "weightNoise", "timeDistributedFormat");
    /**
     * Fields the builder derives or requires, which equal the base layer's here, and the constraints (which need
     * trained weights, and every setting here turns training off): checked by {@link #toBuilderKeepsConstraints}.
     */
    private static final Set<String> REQUIRED = Set.of("connectome", "inputProjection", "nIn", "nOut",
            "constraints");

    private static List<Field> fields() {
        List<Field> out = new ArrayList<>();
        for (Class<?> c = ConnectomeOdeLayer.class; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers()) && !Modifier.isTransient(f.getModifiers())) {
                    f.setAccessible(true);
                    out.add(f);
                }
            }
        }
        return out;
    }

    /** A layer with every setting away from its default. */
    private static ConnectomeOdeLayer everySetting() {
        Connectome c = WorkedExample.connectome();
        ConnectomeOdeLayer.Builder b = base().name("everything").outputNeurons(5, 0, 2)
                .initialBias(0.1, 0.2, 0.3, 0.4, 0.5, 0.6).typePairGainInit(0.5, 1.5, 2, 0.25).trainSynapses(false)
                .trainTypePairGains(false).trainTau(false).trainBias(false).trainInputWeights(false)
                .allExcitatory(true).tauMode(TauMode.PER_NEURON).tauMin(0.75).timeSpan(0.5, 2.5).evaluationPoints(7)
                .solver(SolverSpec.fixed(3).withMethod(RungeKuttaMethod.TSIT5).withCheckpointEvery(2))
                .inferenceSolver(SolverSpec.adaptive(1e-7, 1e-4).withMethod(RungeKuttaMethod.TSIT5).withMaxSteps(77)
                        .withBreakpoints(false))
                .initialState(InitialState.ONES).dataFormat(RNNFormat.NWC).outputSequence(false);
        b.updater(new Adam(0.01)).biasUpdater(new Nesterovs(0.1)).l2(0.01).l1Bias(0.002)
                .gradientNormalization(GradientNormalization.ClipElementWiseAbsoluteValue)
                .gradientNormalizationThreshold(0.7).dropOut(new Dropout(0.9))
                .constrainWeights(new MaxNormConstraint(2.0, 1));
        b.constrainRecurrent(new NonNegativeConstraint());
        assertEquals(2, c.numTypes());
        return b.build();
    }

    @Test
    void toBuilderCopiesEverySetting() throws Exception {
        ConnectomeOdeLayer all = everySetting();
        ConnectomeOdeLayer defaults = base().build();
        List<String> notSet = new ArrayList<>();
        for (Field f : fields()) {
            String name = f.getName();
            if (UNUSED.contains(name)) {
                assertTrue(Objects.deepEquals(f.get(defaults), f.get(all)), name + " is not used and stays default");
            } else if (!REQUIRED.contains(name) && Objects.deepEquals(f.get(defaults), f.get(all))) {
                notSet.add(name);
            }
        }
        assertTrue(notSet.isEmpty(), "fields still at their default in everySetting(): " + notSet
                + " (a new setting? set it there, and copy it in toBuilder())");
        ConnectomeOdeLayer copy = all.toBuilder().build();
        for (Field f : fields()) {
            assertTrue(Objects.deepEquals(f.get(all), f.get(copy)), f.getName() + " is copied by toBuilder(): "
                    + f.get(all) + " vs " + f.get(copy));
        }
        assertEquals(all, copy);
        // The derived default name follows the connectome, a chosen name is kept.
        ConnectomeOdeLayer unnamed = base().build();
        assertEquals("connectome(6 neurons, 8 synapses, 2 types)", unnamed.getLayerName());
        Connectome bigger = RandomConnectomes.typed(3, 9, 0.3, 2, false, Nonlinearity.SIGMOID);
        assertEquals("connectome(9 neurons, " + bigger.numSynapses() + " synapses, 2 types)", unnamed.toBuilder()
                .connectome(bigger).inputProjection(InputProjection.identity(new int[] {0, 1, 2}, 9)).build()
                .getLayerName());
    }

    @Test
    void toBuilderKeepsConstraints() {
        ConnectomeOdeLayer.Builder b = base();
        b.constrainWeights(new MaxNormConstraint(2.0, 1));
        b.constrainRecurrent(new NonNegativeConstraint());
        b.constrainBias(new NonNegativeConstraint());
        ConnectomeOdeLayer l = b.build();
        assertEquals(3, l.getConstraints().size());
        assertEquals(Set.of("W", "U"), l.getConstraints().get(0).getParams(), "weights: the synapses and U");
        ConnectomeOdeLayer copy = l.toBuilder().build();
        assertEquals(3, copy.getConstraints().size());
        for (int i = 0; i < 3; i++) {
            assertEquals(l.getConstraints().get(i).getClass(), copy.getConstraints().get(i).getClass());
            assertEquals(l.getConstraints().get(i).getParams(), copy.getConstraints().get(i).getParams(), "params " + i);
            assertEquals(l.getConstraints().get(i).toString(), copy.getConstraints().get(i).toString());
        }
    }

    @Test
    void theBioplnnBuilderTakesTheLayersSettings() {
        ConnectomeOdeLayer l = BioplnnConnectomeOdeRnn.builder().inputSize(WorkedExample.I)
                .hiddenSize(WorkedExample.N).connectivityHh(WorkedExample.synapses())
                .connectivityIh(WorkedExample.inputProjection().matrix()).numNeuronTypes(2)
                .neuronTypeIndices(new int[] {0, 2, 4}, new int[] {1, 3, 5}).neuronTypeTauInit(1.25, 2.0)
                .tauMin(0.8).outputSequence(false).dataFormat(RNNFormat.NWC).adaptiveInference(1e-8, 1e-5)
                .trainSynapses(false).trainBias(false).trainInputWeights(false).trainTau(false)
                .solver(SolverSpec.fixed(4).withMethod(RungeKuttaMethod.TSIT5)).build();
        assertEquals(0.8, l.getTauMin());
        assertFalse(l.isOutputSequence());
        assertEquals(RNNFormat.NWC, l.getRnnDataFormat());
        assertEquals(SolverSpec.adaptive(1e-8, 1e-5), l.getInferenceSolver());
        assertEquals(SolverSpec.fixed(4).withMethod(RungeKuttaMethod.TSIT5), l.getSolver());
        assertFalse(l.isTrainSynapses() || l.isTrainBias() || l.isTrainInputWeights() || l.isTrainTau());
    }

    @Test
    void aTrainedNetworkRunsOnAnotherTimeGrid() {
        ConnectomeOdeLayer ode = base().timeSpan(0, 1).evaluationPoints(5).stepsPerInterval(2).build();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .updater(new Adam(0.05)).seed(2).list().layer(ode)
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .nOut(2).build())
                .setInputType(InputType.feedForward(WorkedExample.I)).build());
        net.init();
        INDArray x = Nd4j.createFromArray(WorkedExample.X);
        for (int i = 0; i < 3; i++) {
            net.fit(x, Nd4j.ones(DataType.DOUBLE, 2, 2, 5));
        }
        MultiLayerNetwork moved = ConnectomeNetworks.onTimeGrid(net, 0, 3, 13, 4);
        // By hand: the same parameters in a network configured on the new grid.
        MultiLayerNetwork byHand = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).updater(new Adam(0.05)).seed(2).list()
                .layer(base().timeSpan(0, 3).evaluationPoints(13).stepsPerInterval(4).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .nOut(2).build())
                .setInputType(InputType.feedForward(WorkedExample.I)).build());
        byHand.init(net.params().dup(), false);
        assertArrayEquals(new long[] {2, 2, 13}, moved.output(x).shape());
        assertEquals(byHand.output(x), moved.output(x));
        assertEquals(net.params(), moved.params(), "parameters unchanged");
        assertEquals(net.getUpdater().getStateViewArray(), moved.getUpdater().getStateViewArray());
        assertEquals(5, ((ConnectomeOdeLayer) net.getLayerWiseConfigurations().getConf(0).getLayer())
                .getNumEvaluationPoints(), "the original is unchanged");
        fails(() -> ConnectomeNetworks.onTimeGrid(net, 0, 300, 2, 1), "unstable");
    }

    @Test
    void summaryShowsNeuronsSynapsesAndTypes() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(base().build()).setInputType(InputType.feedForward(WorkedExample.I)).build());
        net.init();
        assertTrue(net.summary().contains("connectome(6 neurons, 8 synapses, 2 types)"), net.summary());
    }

    @Test
    void javaSerializationCarriesTheConnectomeInItsCompactForm() throws Exception {
        Connectome fly = FlyVisConnectome.build(15).connectome();
        byte[] serialized = serialize(fly);
        int compact = ConnectomeCodec.encode(fly).length;
        assertTrue(serialized.length < compact + 4096, "serialized " + serialized.length + " bytes, compact form "
                + compact);
        assertTrue(serialized.length < 2_000_000, serialized.length + " bytes for " + fly);
        assertEquals(fly, deserialize(serialized));
        InputProjection u = InputProjection.of(RandomConnectomes.matrix(new Random(1), 500, 40, 0.1, -1, 1));
        assertEquals(u, deserialize(serialize(u)));
        ConnectomeOdeLayer l = everySetting();
        assertEquals(l, deserialize(serialize(l)), "a layer configuration round trip");
    }

    private static byte[] serialize(Object o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    private static Object deserialize(byte[] b) throws Exception {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b))) {
            return in.readObject();
        }
    }
}
