package org.dl4jconnectome.arbiter;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.deeplearning4j.arbiter.ComputationGraphSpace;
import org.deeplearning4j.arbiter.DL4JConfiguration;
import org.deeplearning4j.arbiter.GraphConfiguration;
import org.deeplearning4j.arbiter.MultiLayerSpace;
import org.deeplearning4j.arbiter.conf.updater.AdamSpace;
import org.deeplearning4j.arbiter.layers.OutputLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.parameter.BooleanSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The layer space as a user drives it: through Arbiter's network spaces, generators and serialization. */
class ConnectomeOdeLayerSpaceTest {
    static final int TYPES = 3;
    static final int INPUTS = 3;

    /** A 12-neuron, 3-type connectome (τ in [1, 3)), three inputs, the final state of all neurons as output. */
    static ConnectomeOdeLayer template() {
        Connectome c = RandomConnectomes.typed(11, 12, 0.3, TYPES, false, Nonlinearity.SIGMOID);
        return new ConnectomeOdeLayer.Builder()
                .connectome(c)
                .inputProjection(InputProjection.identity(new int[] {0, 1, 2}, c.numNeurons()))
                .outputSequence(false)
                .timeSpan(0, 1)
                .evaluationPoints(3)
                .tauMin(0.5)
                .trainSynapses(false)
                .build();
    }

    static MultiLayerSpace network(ConnectomeOdeLayerSpace ode) {
        return new MultiLayerSpace.Builder()
                .seed(7)
                .updater(new AdamSpace(new ContinuousParameterSpace(1e-3, 1e-2), new FixedValue<>(0.9),
                        new FixedValue<>(0.999), new FixedValue<>(1e-8)))
                .layer(ode)
                .layer(new OutputLayerSpace.Builder().nOut(2).activation(Activation.SOFTMAX)
                        .lossFunction(LossFunctions.LossFunction.MCXENT).build())
                .setInputType(InputType.feedForward(INPUTS))
                .build();
    }

    private static double logUniform(double min, double max, double p) {
        return Math.exp(Math.log(min) + p * (Math.log(max) - Math.log(min)));
    }

    /** Whether v is what some hyperparameter value p of the candidate maps to. */
    private static boolean fromSomeParameter(double v, double[] flat, java.util.function.DoubleUnaryOperator map) {
        for (double p : flat) {
            if (Math.abs(map.applyAsDouble(p) - v) <= 1e-12 * Math.max(1, Math.abs(v))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void randomCandidatesAreValidLayersCarryingTheirOwnValues() {
        ConnectomeOdeLayer template = template();
        ConnectomeOdeLayerSpace ode = new ConnectomeOdeLayerSpace.Builder()
                .template(template)
                .typeTauRange(1, 3)
                .typePairGainInit(new ContinuousParameterSpace(0.5, 2))
                .stepsPerInterval(new IntegerParameterSpace(1, 3))
                .endTime(new ContinuousParameterSpace(1, 2))
                .trainTau(new BooleanSpace())
                .build();
        // 3 time constants, one shared gain, steps, end time, trainTau; the learning rate in the network space.
        assertEquals(TYPES + 4, ode.numParameters());
        MultiLayerSpace space = network(ode);
        assertEquals(TYPES + 5, space.numParameters());

        CandidateGenerator generator = new RandomSearchGenerator(space);
        generator.setRngSeed(1);
        List<double[]> taus = new ArrayList<>();
        Set<Boolean> trainTau = new HashSet<>();
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, INPUTS);
        for (int i = 0; i < 6; i++) {
            Candidate<?> candidate = generator.getCandidate();
            assertEquals(null, candidate.getException());
            double[] flat = candidate.getFlatParameters();
            MultiLayerConfiguration conf = ((DL4JConfiguration) candidate.getValue()).getMultiLayerConfiguration();
            ConnectomeOdeLayer layer = assertInstanceOf(ConnectomeOdeLayer.class, conf.getConf(0).getLayer());

            double[] tau = layer.getConnectome().typeTaus();
            for (double t : tau) {
                assertTrue(t >= 1 && t <= 3, "tau " + t);
                assertTrue(fromSomeParameter(t, flat, p -> logUniform(1, 3, p)), "tau " + t + " from " + flat);
            }
            taus.add(tau);
            double[] gains = layer.getTypePairGainInit();
            assertEquals(TYPES * TYPES, gains.length);
            for (double g : gains) {
                assertEquals(gains[0], g, 0.0, "one gain shared by every pair");
            }
            assertTrue(fromSomeParameter(gains[0], flat, p -> 0.5 + 1.5 * p), "gain " + gains[0]);
            assertTrue(layer.isTypePairGains());
            int steps = layer.getSolver().stepsPerInterval();
            assertTrue(steps >= 1 && steps <= 3, "steps " + steps);
            assertTrue(fromSomeParameter(layer.getEndTime(), flat, p -> 1 + p), "end " + layer.getEndTime());
            trainTau.add(layer.isTrainTau());

            // Everything not searched is the template's.
            assertEquals(template.getConnectome().synapses(), layer.getConnectome().synapses());
            assertEquals(template.getInputProjection(), layer.getInputProjection());
            assertEquals(0.5, layer.getTauMin());
            assertEquals(0.0, layer.getStartTime());
            assertEquals(3, layer.getNumEvaluationPoints());
            assertFalse(layer.isTrainSynapses());

            // The learning rate is searched; Adam's other settings are the ones given (not Arbiter's defaults).
            Adam adam = assertInstanceOf(Adam.class, ((BaseLayer) conf.getConf(1).getLayer()).getIUpdater());
            assertTrue(fromSomeParameter(adam.getLearningRate(), flat, p -> 1e-3 + 9e-3 * p));
            assertEquals(0.9, adam.getBeta1());
            assertEquals(0.999, adam.getBeta2());

            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            INDArray y = net.output(x);
            assertArrayEquals(new long[] {4, 2}, y.shape());
            for (int r = 0; r < 4; r++) {
                assertEquals(1.0, y.getRow(r).sumNumber().doubleValue(), 1e-5);
            }
        }
        for (int a = 0; a < taus.size(); a++) {
            for (int b = a + 1; b < taus.size(); b++) {
                assertFalse(Arrays.equals(taus.get(a), taus.get(b)), "candidates " + a + " and " + b);
            }
        }
        assertEquals(Set.of(true, false), trainTau, "both values of trainTau come up in 6 candidates");
    }

    @Test
    void gridSearchCoversTheCornersOfTheBox() {
        ConnectomeOdeLayer template = template();
        double[] templateTau = template.getConnectome().typeTaus();
        ConnectomeOdeLayerSpace ode = new ConnectomeOdeLayerSpace.Builder()
                .template(template)
                .tauScale(new ContinuousParameterSpace(0.5, 2))
                .endTime(new ContinuousParameterSpace(1, 2))
                .build();
        MultiLayerSpace space = new MultiLayerSpace.Builder().seed(7).updater(new Adam(1e-3)).layer(ode)
                .layer(new OutputLayerSpace.Builder().nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(INPUTS)).build();
        GridSearchCandidateGenerator grid = new GridSearchCandidateGenerator(space, 2,
                GridSearchCandidateGenerator.Mode.Sequential, null);
        assertEquals(4, grid.getTotalNumCandidates());
        Set<List<Double>> corners = new HashSet<>();
        while (grid.hasMoreCandidates()) {
            MultiLayerConfiguration conf = ((DL4JConfiguration) grid.getCandidate().getValue())
                    .getMultiLayerConfiguration();
            ConnectomeOdeLayer layer = (ConnectomeOdeLayer) conf.getConf(0).getLayer();
            double scale = layer.getConnectome().typeTau(0) / templateTau[0];
            for (int t = 0; t < TYPES; t++) {
                assertEquals(templateTau[t] * scale, layer.getConnectome().typeTau(t), 1e-12, "ratios kept");
            }
            corners.add(List.of(Math.round(scale * 1e9) / 1e9, layer.getEndTime()));
        }
        assertEquals(Set.of(List.of(0.5, 1.0), List.of(0.5, 2.0), List.of(2.0, 1.0), List.of(2.0, 2.0)), corners);
    }

    @Test
    void composesWithComputationGraphSpace() {
        ConnectomeOdeLayerSpace ode = new ConnectomeOdeLayerSpace.Builder()
                .template(template())
                .typePairGainInitPerPairRange(0, 2)
                .build();
        assertEquals(TYPES * TYPES, ode.numParameters());
        ComputationGraphSpace space = new ComputationGraphSpace.Builder()
                .seed(3)
                .updater(new Adam(1e-3))
                .addInputs("in")
                .addLayer("ode", ode, "in")
                .addLayer("out", new OutputLayerSpace.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "ode")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(INPUTS))
                .build();
        assertEquals(TYPES * TYPES, space.numParameters());
        CandidateGenerator generator = new RandomSearchGenerator(space);
        generator.setRngSeed(5);
        Candidate<?> candidate = generator.getCandidate();
        GraphConfiguration conf = (GraphConfiguration) candidate.getValue();
        ComputationGraph graph = new ComputationGraph(conf.getConfiguration());
        graph.init();
        ConnectomeOdeLayer layer = (ConnectomeOdeLayer) graph.getLayer("ode").conf().getLayer();
        double[] gains = layer.getTypePairGainInit();
        double[] expected = candidate.getFlatParameters().clone();
        for (int i = 0; i < expected.length; i++) {
            expected[i] *= 2;
        }
        double[] sortedGains = gains.clone();
        Arrays.sort(sortedGains);
        Arrays.sort(expected);
        assertArrayEquals(expected, sortedGains, 1e-12, "one independent gain per pair, uniform in [0, 2]");
        INDArray y = graph.outputSingle(Nd4j.rand(DataType.FLOAT, 5, INPUTS));
        assertArrayEquals(new long[] {5, 2}, y.shape());
    }

    @Test
    void networkSpacesRoundTripThroughJsonAndYaml() {
        ConnectomeOdeLayerSpace ode = new ConnectomeOdeLayerSpace.Builder()
                .template(template())
                .typeTau(DoubleArraySpace.logUniform(TYPES, 0.8, 4))
                .typePairGainInit(new ContinuousParameterSpace(0.5, 2))
                .stepsPerInterval(new IntegerParameterSpace(1, 4))
                .tauMin(new ContinuousParameterSpace(0.5, 0.8))
                .trainTypePairGains(new BooleanSpace())
                .build();
        // With a layer the search leaves as it is, as the samples' search keeps the classifier's own layers.
        MultiLayerSpace space = new MultiLayerSpace.Builder()
                .seed(7)
                .updater(new AdamSpace(new ContinuousParameterSpace(1e-3, 1e-2), new FixedValue<>(0.9),
                        new FixedValue<>(0.999), new FixedValue<>(1e-8)))
                .layer(ode)
                .layer(new ConstantLayerSpace(new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build()))
                .layer(new OutputLayerSpace.Builder().nOut(2).activation(Activation.SOFTMAX)
                        .lossFunction(LossFunctions.LossFunction.MCXENT).build())
                .setInputType(InputType.feedForward(INPUTS))
                .build();
        String json = space.toJson();
        MultiLayerSpace fromJson = MultiLayerSpace.fromJson(json);
        MultiLayerSpace fromYaml = MultiLayerSpace.fromYaml(space.toYaml());
        assertEquals(space, fromJson);
        assertEquals(space, fromYaml);
        assertEquals(json, fromJson.toJson());
        assertEquals(space.numParameters(), fromJson.numParameters());
        assertEquals(space.numParameters(), fromYaml.numParameters());

        // The restored spaces generate the same candidates.
        List<String> expected = candidates(space);
        assertEquals(expected, candidates(fromJson));
        assertEquals(expected, candidates(fromYaml));
        assertEquals(4, new HashSet<>(expected).size());
    }

    private static List<String> candidates(MultiLayerSpace space) {
        CandidateGenerator generator = new RandomSearchGenerator(space);
        generator.setRngSeed(9);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            out.add(((DL4JConfiguration) generator.getCandidate().getValue()).getMultiLayerConfiguration().toJson());
        }
        return out;
    }

    @Test
    void boundsOutsideWhatTheLayerAcceptsAreRejectedWithClearMessages() {
        ConnectomeOdeLayer template = template();
        assertRejected("template is not set", new ConnectomeOdeLayerSpace.Builder().typeTauRange(1, 2));
        assertRejected("typeTau gives time constants [0.3, 1.99",
                builder(template).typeTauRange(0.3, 2));
        assertRejected("below tauMin = 0.5", builder(template).typeTauRange(0.3, 2));
        assertRejected("tauScale gives time constants",
                builder(template).tauScale(new ContinuousParameterSpace(0.2, 1)));
        assertRejected("typeTau gives time constants [-Infinity, Infinity], below tauMin",
                builder(template).typeTau(DoubleArraySpace.of(new ContinuousParameterSpace(
                        new NormalDistribution(2, 1)), new ContinuousParameterSpace(1, 2),
                        new ContinuousParameterSpace(1, 2))));
        assertRejected("below tauMin (up to 3.0)",
                builder(template).tauMin(new ContinuousParameterSpace(0.5, 3)));
        assertRejected("tauMin [0.0, 1.0]: expected finite values > 0",
                builder(template).tauMin(new ContinuousParameterSpace(0, 1)));
        assertRejected("typePairGainInit [-0.5, 1.0]: expected finite gains >= 0",
                builder(template).typePairGainInit(new ContinuousParameterSpace(-0.5, 1)));
        assertRejected("typePairGainInitPerPair [-1.0, 1.0]: expected finite gains >= 0",
                builder(template).typePairGainInitPerPairRange(-1, 1));
        assertRejected("stepsPerInterval [0.0, 2.0]: expected at least 1 step",
                builder(template).stepsPerInterval(new IntegerParameterSpace(0, 2)));
        assertRejected("endTime [-1.0, 2.0]: expected finite times after the start t0 = 0.0",
                builder(template).endTime(new ContinuousParameterSpace(-1, 2)));
        assertRejected("endTime up to 10.0 with stepsPerInterval from 1 gives fixed steps of 5.0 time units, "
                        + "unstable for tauMin down to 0.5 (dopri5 needs step/tau <= 3.307): raise the lowest "
                        + "stepsPerInterval to 4",
                builder(template).endTime(new ContinuousParameterSpace(1, 10))
                        .stepsPerInterval(new IntegerParameterSpace(1, 4)));
        assertRejected("typeTau has 2 entries, expected 3 (one per neuron type)",
                builder(template).typeTau(DoubleArraySpace.uniform(2, 1, 2)));
        assertRejected("typePairGainInitPerPair has 4 entries, expected 9 (K x K = 3 x 3)",
                builder(template).typePairGainInitPerPair(DoubleArraySpace.uniform(4, 1, 2)));
        assertRejected("typeTau and tauScale are both set",
                builder(template).typeTauRange(1, 2).tauScale(new ContinuousParameterSpace(1, 2)));
        assertRejected("typePairGainInit and typePairGainInitPerPair are both set",
                builder(template).typePairGainInitPerPairRange(0, 1)
                        .typePairGainInit(new ContinuousParameterSpace(0, 1)));
        assertRejected("typeTauRange [2.0, 1.0]: expected finite bounds with min < max",
                builder(template).typeTauRange(2, 1));

        // Bounds within what the layer accepts build, including the stable corner of the same box.
        builder(template).endTime(new ContinuousParameterSpace(1, 10)).stepsPerInterval(new IntegerParameterSpace(4,
                6)).build();
    }

    private static ConnectomeOdeLayerSpace.Builder builder(ConnectomeOdeLayer template) {
        return new ConnectomeOdeLayerSpace.Builder().template(template);
    }

    private static void assertRejected(String expected, ConnectomeOdeLayerSpace.Builder builder) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(e.getMessage().startsWith("ConnectomeOdeLayerSpace: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    @Test
    void valuesOfSpacesWithUnknownBoundsAreCheckedCandidateByCandidate() {
        ConnectomeOdeLayerSpace ode = builder(template())
                .typeTau(new FixedValue<>(new double[] {0.2, 1, 1}))
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ode.getValue(new double[0]));
        assertTrue(e.getMessage().startsWith("ConnectomeOdeLayerSpace: invalid candidate: "), e.getMessage());
        assertTrue(e.getMessage().contains("is 0.2, below tauMin = 0.5"), e.getMessage());

        ConnectomeOdeLayerSpace fine = builder(template()).typeTau(new FixedValue<>(new double[] {0.7, 1, 2}))
                .build();
        assertArrayEquals(new double[] {0.7, 1, 2}, fine.getValue(new double[0]).getConnectome().typeTaus());
        assertNotEquals(ode, fine);
    }
}
