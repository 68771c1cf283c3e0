package org.dl4jconnectome.samediff;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.layer.ConnectomeOdeParamInitializer;
import org.dl4jconnectome.layer.ConnectomeOdeRuntimeLayer;
import org.dl4jconnectome.samediff.GraphFixtures.Case;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.dl4jconnectome.samediff.GraphFixtures.INPUTS;
import static org.dl4jconnectome.samediff.GraphFixtures.NEURONS;
import static org.dl4jconnectome.samediff.GraphFixtures.atStructure;
import static org.dl4jconnectome.samediff.GraphFixtures.relativeError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The graph as a SameDiff user meets it: parameter transfer, training, bounds, saving, and its checks. */
class ConnectomeGraphTest {
    private static final String W = ConnectomeOdeParamInitializer.SYNAPSE_KEY;
    private static final String G = ConnectomeOdeParamInitializer.GAIN_KEY;
    private static final String TAU = ConnectomeOdeParamInitializer.TAU_KEY;
    private static final String B = ConnectomeOdeParamInitializer.BIAS_KEY;

    /** A model with every kind of parameter, read out at t1; small, so that training steps are quick. */
    private static Case small() {
        return new Case("small").gains().selectOutputs().finalStateOnly().points(3).batch(4);
    }

    private static ConnectomeGraph graph(SameDiff sd, ConnectomeOdeLayer conf, Case c) {
        return ConnectomeGraph.builder(conf).build(sd, sd.placeHolder("x", DataType.DOUBLE,
                GraphFixtures.placeholderShape(c)));
    }

    private static INDArray run(ConnectomeGraph g, INDArray x) {
        return g.sameDiff().output(Map.of("x", x), g.output().name()).get(g.output().name());
    }

    private static double maxDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    /** Sets every trainable parameter of the layer to new values within its bounds. */
    private static void perturb(Layer layer, long seed) {
        Random rnd = new Random(seed);
        for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
            double[] v = e.getValue().dup().data().asDouble();
            for (int i = 0; i < v.length; i++) {
                double d = 0.3 * rnd.nextGaussian();
                v[i] = e.getKey().equals(TAU) ? v[i] + Math.abs(d) : e.getKey().equals(W) || e.getKey().equals(G)
                        ? Math.abs(v[i] + d) : v[i] + d;
            }
            layer.setParam(e.getKey(), Nd4j.createFromArray(v).reshape(e.getValue().shape()));
        }
    }

    /** The usage example of the documentation, as written there (a classifier on the connectome's final state). */
    @Test
    void theDocumentedUsageRuns() {
        Case c = small();
        ConnectomeOdeLayer layerConf = GraphFixtures.layer(c, 1);
        MultiLayerNetwork net = GraphFixtures.network(layerConf);
        INDArray features = GraphFixtures.input(c, 2).castTo(DataType.FLOAT);
        INDArray labels = Nd4j.createFromArray(new float[][] {{1, 0}, {0, 1}, {1, 0}, {0, 1}});
        org.nd4j.linalg.dataset.api.iterator.DataSetIterator trainData =
                new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(
                        new DataSet(features, labels).asList(), 2);
        int classes = 2;

        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, layerConf.getNIn());
        ConnectomeGraph model = ConnectomeGraph.builder(layerConf).build(sd, x);
        SDVariable h = model.output();                                   // h(t1) of the output neurons, [B, N_out]
        SDVariable w = sd.var("readout/W", Nd4j.randn(DataType.FLOAT, layerConf.getNOut(), classes).muli(0.1));
        SDVariable y = sd.placeHolder("y", DataType.FLOAT, -1, classes);
        sd.loss.softmaxCrossEntropy("loss", y, h.mmul(w), null);
        sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(1e-2))
                .dataSetFeatureMapping("x").dataSetLabelMapping("y").minimize("loss").build());
        sd.fit(trainData, 3);                                            // W, G, tau kept in bounds every iteration
        model.copyTo(net.getLayer(0));                                   // the trained connectome into DL4J

        INDArray graphOut = sd.output(Map.of("x", features), h.name()).get(h.name());
        assertTrue(maxDiff(net.output(features.castTo(DataType.DOUBLE)), graphOut.castTo(DataType.DOUBLE)) <= 1e-5);
        assertTrue(model.parameter(G).getArr().minNumber().doubleValue() >= 0);
    }

    @Test
    void parametersTransferBothWaysByKey() {
        Case c = small();
        MultiLayerNetwork source = GraphFixtures.network(GraphFixtures.layer(c, 11));
        perturb(source.getLayer(0), 12);
        INDArray x = GraphFixtures.input(c, 13);
        SameDiff sd = SameDiff.create();
        ConnectomeGraph g = graph(sd, GraphFixtures.configuration(source.getLayer(0)), c);
        assertTrue(maxDiff(source.output(x), run(g, x)) > 1e-3, "the perturbation changes the output");

        g.copyFrom(source.getLayer(0));
        assertTrue(maxDiff(source.output(x), run(g, x)) <= 1e-12);

        for (SDVariable v : g.parameters().values()) {
            v.getArr().addi(0.05);
        }
        MultiLayerNetwork target = GraphFixtures.network(GraphFixtures.layer(c, 11));
        g.copyTo(target.getLayer(0));
        assertTrue(maxDiff(run(g, x), target.output(x)) <= 1e-12);
        CsrMatrix synapses = GraphFixtures.configuration(target.getLayer(0)).getConnectome().synapses();
        assertArrayEquals(atStructure(g.parameter(W).getArr(), synapses),
                target.getLayer(0).getParam(W).dup().data().asDouble(), 0.0);
    }

    @Test
    void frozenParametersAreConstantsThatFollowTheLayersConfiguration() {
        Case c = small();
        ConnectomeOdeLayer frozen = GraphFixtures.layer(c, 21).toBuilder().trainBias(false).build();
        double[] otherBias = new double[NEURONS];
        java.util.Arrays.fill(otherBias, 0.7);
        MultiLayerNetwork other = GraphFixtures.network(frozen.toBuilder().initialBias(otherBias).build());
        INDArray x = GraphFixtures.input(c, 22);
        ConnectomeGraph g = graph(SameDiff.create(), frozen, c);
        assertEquals(org.nd4j.autodiff.samediff.VariableType.CONSTANT, g.parameter(B).getVariableType());
        assertTrue(!g.parameters().containsKey(B));

        g.copyFrom(other.getLayer(0));
        assertTrue(maxDiff(other.output(x), run(g, x)) <= 1e-12, "the constants take the layer's fixed values");
        MultiLayerNetwork original = GraphFixtures.network(frozen);
        INDArray before = original.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.copyTo(original.getLayer(0)));
        assertTrue(e.getMessage().contains("constant 'connectome/b' differs from the fixed 'b'"), e.getMessage());
        assertEquals(before, original.params(), "a refused copy writes nothing");
    }

    @Test
    void transferRefusesLayersThatDoNotFit() {
        Case c = small();
        ConnectomeGraph g = graph(SameDiff.create(), GraphFixtures.layer(c, 31), c);
        MultiLayerNetwork otherStructure = GraphFixtures.network(GraphFixtures.layer(c, 32));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.copyFrom(otherStructure.getLayer(0)));
        assertTrue(e.getMessage().contains("the layer's parameters do not fit this graph: the connectome's synapses"),
                e.getMessage());

        MultiLayerNetwork dense = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(2).nOut(2).build()).build());
        dense.init();
        e = assertThrows(IllegalArgumentException.class, () -> g.copyTo(dense.getLayer(0)));
        assertTrue(e.getMessage().contains("expected a layer of a ConnectomeOdeLayer"), e.getMessage());

        MultiLayerNetwork target = GraphFixtures.network(GraphFixtures.layer(c, 31));
        INDArray before = target.params().dup();
        g.parameter(TAU).getArr().putScalar(0, 0.25);
        e = assertThrows(IllegalArgumentException.class, () -> g.copyTo(target.getLayer(0)));
        assertTrue(e.getMessage().contains("parameter 'tau'[0] = 0.25: expected a finite value >= 1.0 "
                + "(call applyConstraints() to restore the bounds)"), e.getMessage());
        assertEquals(before, target.params());
    }

    private static void train(SameDiff sd, ConnectomeGraph g, IUpdater updater) {
        SDVariable y = sd.placeHolder("y", DataType.DOUBLE, -1, g.configuration().getNOut());
        sd.loss.meanSquaredError("loss", y, g.output(), null);
        sd.setTrainingConfig(TrainingConfig.builder().updater(updater).dataSetFeatureMapping("x")
                .dataSetLabelMapping("y").minimize("loss").build());
    }

    private static double loss(SameDiff sd, DataSet d) {
        return sd.output(Map.of("x", d.getFeatures(), "y", d.getLabels()), "loss").get("loss").getDouble(0);
    }

    @Test
    void fitLowersTheLoss() {
        Case c = small();
        SameDiff sd = SameDiff.create();
        ConnectomeGraph g = graph(sd, GraphFixtures.layer(c, 41), c);
        train(sd, g, new Adam(0.05));
        Nd4j.getRandom().setSeed(42);
        DataSet d = new DataSet(GraphFixtures.input(c, 43), Nd4j.rand(DataType.DOUBLE, c.batch, 5));
        double before = loss(sd, d);
        for (int i = 0; i < 15; i++) {
            sd.fit(d);
        }
        double after = loss(sd, d);
        assertTrue(after < 0.5 * before, "loss " + before + " -> " + after);
    }

    @Test
    void fitFollowsTheLayerStepForStepUnderTheSameUpdatesAndBounds() {
        Case c = small();
        ConnectomeOdeLayer conf = GraphFixtures.layer(c, 51);
        MultiLayerNetwork net = GraphFixtures.regression(conf, new Sgd(20.0));
        SameDiff sd = SameDiff.create();
        ConnectomeGraph g = graph(sd, GraphFixtures.configuration(net.getLayer(0)), c);
        train(sd, g, new Sgd(20.0));
        // Targets far below the activity push the synapses, gains and time constants against their bounds.
        DataSet d = new DataSet(GraphFixtures.input(c, 52), Nd4j.zeros(DataType.DOUBLE, c.batch, 5).subi(1));
        for (int i = 0; i < 4; i++) {
            net.fit(d);
            sd.fit(d);
        }
        Layer layer = net.getLayer(0);
        ConnectomeOdeLayer lc = GraphFixtures.configuration(layer);
        int atBound = 0;
        for (Map.Entry<String, SDVariable> e : g.parameters().entrySet()) {
            INDArray arr = e.getValue().getArr();
            double[] graphValues = e.getKey().equals(W) ? atStructure(arr, lc.getConnectome().synapses())
                    : e.getKey().equals(ConnectomeOdeParamInitializer.INPUT_WEIGHT_KEY)
                    ? atStructure(arr, lc.getInputProjection().matrix()) : arr.dup().data().asDouble();
            double[] layerValues = layer.getParam(e.getKey()).dup().data().asDouble();
            double rel = relativeError(layerValues, graphValues);
            assertTrue(rel <= 1e-9, e.getKey() + " differs from the layer's by " + rel);
            double min = e.getKey().equals(TAU) ? lc.getTauMin() : e.getKey().equals(W) || e.getKey().equals(G)
                    ? 0.0 : Double.NEGATIVE_INFINITY;
            for (double v : graphValues) {
                assertTrue(v >= min, e.getKey() + " = " + v + " below its bound");
                atBound += v == min ? 1 : 0;
            }
        }
        assertTrue(atBound > 0, "some parameters were projected onto their bounds");
        assertTrue(g.parameter(W).getArr().minNumber().doubleValue() >= 0, "W >= 0 off the connectome too");
    }

    @Test
    void applyConstraintsRestoresTheBoundsInPlace() {
        Case c = small();
        ConnectomeGraph g = graph(SameDiff.create(), GraphFixtures.layer(c, 61), c);
        g.parameter(W).getArr().subi(10);
        g.parameter(G).getArr().putScalar(0, 0, -3.0);
        g.parameter(TAU).getArr().assign(0.1);
        INDArray bias = g.parameter(B).getArr().dup();
        g.applyConstraints();
        assertEquals(0.0, g.parameter(W).getArr().maxNumber().doubleValue());
        assertEquals(0.0, g.parameter(G).getArr().getDouble(0, 0));
        assertEquals(1.0, g.parameter(TAU).getArr().minNumber().doubleValue());
        assertEquals(bias, g.parameter(B).getArr(), "the bias has no bound");
    }

    @Test
    void savesAndLoadsWithIdenticalOutputsAndGetsItsListenerBackWhenAttached(@TempDir Path dir) {
        Case c = new Case("saved").gains().bins(2).points(3).batch(3);
        ConnectomeOdeLayer conf = GraphFixtures.layer(c, 71);
        SameDiff sd = SameDiff.create();
        ConnectomeGraph g = graph(sd, conf, c);
        SDVariable y = sd.placeHolder("y", DataType.DOUBLE, -1, NEURONS, 3);
        sd.loss.meanSquaredError("loss", y, g.output(), null);
        sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(0.01)).dataSetFeatureMapping("x")
                .dataSetLabelMapping("y").minimize("loss").build());
        INDArray x = GraphFixtures.input(c, 72);
        DataSet d = new DataSet(x, Nd4j.rand(DataType.DOUBLE, 3, NEURONS, 3));
        sd.fit(d);
        INDArray before = run(g, x);

        File file = dir.resolve("graph.sd").toFile();
        sd.save(file, true);
        SameDiff loaded = SameDiff.load(file, true);
        String out = g.output().name();
        INDArray after = loaded.output(Map.of("x", x), out).get(out);
        assertArrayEquals(before.data().asDouble(), after.data().asDouble(), 0.0);
        assertTrue(loaded.getListeners().isEmpty(), "SameDiff does not save listeners");

        ConnectomeGraph reattached = ConnectomeGraph.attach(loaded, conf, ConnectomeGraph.DEFAULT_NAME);
        assertEquals(1, loaded.getListeners().size());
        ConnectomeGraph.attach(loaded, conf, ConnectomeGraph.DEFAULT_NAME);
        assertEquals(1, loaded.getListeners().size(), "attached once");
        assertEquals(g.parameters().keySet(), reattached.parameters().keySet());

        // Trained on (without the saved updater state, so that a large SGD step can push W below 0).
        SameDiff fresh = SameDiff.load(file, false);
        ConnectomeGraph resumed = ConnectomeGraph.attach(fresh, conf, ConnectomeGraph.DEFAULT_NAME);
        fresh.setTrainingConfig(TrainingConfig.builder().updater(new Sgd(500.0)).dataSetFeatureMapping("x")
                .dataSetLabelMapping("y").minimize("loss").build());
        fresh.fit(new DataSet(x, Nd4j.zeros(DataType.DOUBLE, 3, NEURONS, 3).subi(1)));
        double[] w = atStructure(resumed.parameter(W).getArr(), conf.getConnectome().synapses());
        assertEquals(0.0, java.util.Arrays.stream(w).min().orElseThrow(), "W projected onto 0 after loading");
        assertTrue(resumed.parameter(TAU).getArr().minNumber().doubleValue() >= 1.0);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConnectomeGraph.attach(loaded, conf, "other"));
        assertTrue(e.getMessage().contains("no variable 'other/W'"), e.getMessage());
        ConnectomeOdeLayer perNeuron = conf.toBuilder().tauMode(org.dl4jconnectome.layer.TauMode.PER_NEURON).build();
        e = assertThrows(IllegalArgumentException.class,
                () -> ConnectomeGraph.attach(loaded, perNeuron, ConnectomeGraph.DEFAULT_NAME));
        assertTrue(e.getMessage().contains("'connectome/tau' is a VARIABLE of shape [2]"), e.getMessage());
        ConnectomeOdeLayer nwc = conf.toBuilder().dataFormat(org.deeplearning4j.nn.conf.RNNFormat.NWC).build();
        e = assertThrows(IllegalArgumentException.class,
                () -> ConnectomeGraph.attach(loaded, nwc, ConnectomeGraph.DEFAULT_NAME));
        assertTrue(e.getMessage().contains("the graph's input is [B, 4, 2], which does not fit this configuration (4 "
                + "inputs, NWC)"), e.getMessage());
    }

    @Test
    void anInputOfAnotherLengthIsRefusedNotTruncated(@TempDir Path dir) {
        Case c = new Case("four bins").bins(4).points(3);
        ConnectomeOdeLayer conf = GraphFixtures.layer(c, 81);
        SameDiff sd = SameDiff.create();
        ConnectomeGraph g = graph(sd, conf, c);
        for (long[] shape : new long[][] {{2, INPUTS, 5}, {2, INPUTS, 3}, {2, INPUTS}, {2, INPUTS + 1, 4}}) {
            INDArray wrong = Nd4j.rand(DataType.DOUBLE, shape);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(g, wrong));
            assertTrue(e.getMessage().contains("input 'x' has shape " + java.util.Arrays.toString(shape)
                    + ", expected [B, 4, 4] ([B, I, T], NCW): this graph is unrolled for exactly 4 time bins"),
                    e.getMessage());
        }
        File file = dir.resolve("graph.sd").toFile();
        sd.save(file, false);
        SameDiff loaded = SameDiff.load(file, false);
        String out = g.output().name();
        INDArray longer = Nd4j.rand(DataType.DOUBLE, 2, INPUTS, 5);
        // Without the listener the graph's own check refuses it (libnd4j prints which shape it expects).
        assertThrows(RuntimeException.class, () -> loaded.output(Map.of("x", longer), out));
        ConnectomeGraph.attach(loaded, conf, ConnectomeGraph.DEFAULT_NAME);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> loaded.output(Map.of("x", longer), out));
        assertTrue(e.getMessage().contains("unrolled for exactly 4 time bins"), e.getMessage());
        INDArray right = GraphFixtures.input(c, 82);
        assertArrayEquals(run(g, right).data().asDouble(), loaded.output(Map.of("x", right), out).get(out)
                .data().asDouble(), 0.0);
    }

    @Test
    void buildRefusesWhatItCannotModelWithMessagesThatSayWhy() {
        ConnectomeOdeLayer conf = GraphFixtures.layer(small(), 91);
        SameDiff sd = SameDiff.create();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConnectomeGraph
                .builder(conf).build(sd, sd.placeHolder("t", DataType.DOUBLE, -1, INPUTS, -1)));
        assertTrue(e.getMessage().contains("input 't' is declared as [-1, 4, -1] with no time length"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConnectomeGraph.builder(conf)
                .build(sd, sd.placeHolder("wide", DataType.DOUBLE, -1, INPUTS + 1)));
        assertTrue(e.getMessage().contains("input 'wide' is declared as [-1, 5], expected [B, 4]"), e.getMessage());
        SDVariable computed = sd.placeHolder("raw", DataType.DOUBLE, -1, INPUTS).mul(1.0);
        e = assertThrows(IllegalArgumentException.class, () -> ConnectomeGraph.builder(conf).build(sd, computed));
        assertTrue(e.getMessage().contains("is not known when the graph is built: call inputBins(0)"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConnectomeGraph.builder(conf)
                .build(sd, sd.placeHolder("ints", DataType.INT, -1, INPUTS)));
        assertTrue(e.getMessage().contains("input 'ints' is of type INT: expected a floating-point type"),
                e.getMessage());

        Connectome big = RandomConnectomes.typed(1, ConnectomeGraph.MAX_NEURONS + 1, 1e-5, 2, false,
                Nonlinearity.SIGMOID);
        ConnectomeOdeLayer huge = new ConnectomeOdeLayer.Builder().connectome(big).inputProjection(InputProjection
                .identity(new int[] {0, 1}, big.numNeurons())).build();
        e = assertThrows(IllegalArgumentException.class, () -> ConnectomeGraph.builder(huge)
                .build(sd, sd.placeHolder("big", DataType.FLOAT, -1, 2)));
        assertTrue(e.getMessage().contains("the connectome has 4097 neurons, more than the 4096 (MAX_NEURONS)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("use ConnectomeOdeLayer"), e.getMessage());

        // An input of unknown shape is accepted once its layout is stated, and computes what a placeholder does.
        ConnectomeGraph a = ConnectomeGraph.builder(conf).inputBins(0).build(sd, computed);
        e = assertThrows(IllegalArgumentException.class, () -> ConnectomeGraph.builder(conf).inputBins(0)
                .build(sd, computed));
        assertTrue(e.getMessage().contains("ConnectomeGraph 'connectome': the graph already holds a model of this "
                + "name"), e.getMessage());
        ConnectomeGraph b = ConnectomeGraph.builder(conf).name("second").build(sd,
                sd.placeHolder("x", DataType.DOUBLE, -1, INPUTS));
        assertEquals("second/W", b.parameter(W).name());
        INDArray x = GraphFixtures.input(small(), 92);
        Map<String, INDArray> out = sd.output(Map.of("raw", x, "x", x), a.output().name(), b.output().name());
        assertTrue(maxDiff(out.get(a.output().name()), out.get(b.output().name())) == 0.0);
        assertNotEquals(a.parameter(W).name(), b.parameter(W).name());
    }

    @Test
    void theInitialStateCanComeFromTheGraph() {
        Case c = small();
        MultiLayerNetwork net = GraphFixtures.network(GraphFixtures.layer(c, 101));
        SameDiff sd = SameDiff.create();
        SDVariable h0 = sd.placeHolder("h0", DataType.DOUBLE, -1, NEURONS);
        ConnectomeGraph g = ConnectomeGraph.builder(GraphFixtures.configuration(net.getLayer(0))).initialState(h0)
                .build(sd, sd.placeHolder("x", DataType.DOUBLE, -1, INPUTS));
        INDArray x = GraphFixtures.input(c, 102);
        INDArray state = Nd4j.rand(DataType.DOUBLE, c.batch, NEURONS);
        ((ConnectomeOdeRuntimeLayer) net.getLayer(0)).setInitialState(state);
        String out = g.output().name();
        assertTrue(maxDiff(net.output(x), sd.output(Map.of("x", x, "h0", state), out).get(out)) <= 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sd.output(Map.of("x", x, "h0", Nd4j.rand(DataType.DOUBLE, c.batch, NEURONS + 1)), out));
        assertTrue(e.getMessage().contains("initial state 'h0' has shape [4, 10], expected [B, 9]"), e.getMessage());
    }
}
