package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Save/load with DL4J's ModelSerializer, JSON and Java serialization of the configuration. */
class LayerSerializationTest {

    private static ConnectomeOdeLayer layer() {
        Random rnd = new Random(4);
        Connectome c = RandomConnectomes.typed(4, 30, 0.2, 3, true, Nonlinearity.SIGMOID, Nonlinearity.TANH,
                Nonlinearity.SOFTPLUS);
        return new ConnectomeOdeLayer.Builder().name("ode").connectome(c)
                .inputProjection(InputProjection.of(RandomConnectomes.matrix(rnd, 30, 5, 0.2, -1, 1)))
                .outputNeurons(RandomConnectomes.distinct(rnd, 7, 30)).typePairGains(true).tauMode(TauMode.PER_NEURON)
                .initialBias(new double[30]).evaluationPoints(5).stepsPerInterval(2).timeSpan(0, 1.5)
                .dataFormat(RNNFormat.NCW).build();
    }

    private static MultiLayerNetwork trainedNetwork() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(0.01)).list()
                .layer(layer())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .nOut(2).build())
                .setInputType(InputType.recurrent(5, 3)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 5, 3);
        INDArray y = Nd4j.rand(DataType.FLOAT, 4, 2, 5);
        for (int i = 0; i < 3; i++) {
            net.fit(x, y);
        }
        return net;
    }

    @Test
    void multiLayerNetworkRoundTripThroughModelSerializer(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = trainedNetwork();
        File f = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertEquals(net.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 5, 3);
        assertEquals(net.output(x), restored.output(x));
        // Training continues identically from the restored state.
        INDArray y = Nd4j.rand(DataType.FLOAT, 2, 2, 5);
        net.fit(x, y);
        restored.fit(x, y);
        assertEquals(net.params(), restored.params());
    }

    @Test
    void computationGraphRoundTripThroughModelSerializer(@TempDir Path dir) throws Exception {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).graphBuilder()
                .addInputs("x").addLayer("ode", layer(), "x")
                .addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).nOut(2).build(), "ode")
                .setOutputs("out").setInputTypes(InputType.feedForward(5)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        File f = dir.resolve("graph.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(net.getConfiguration(), restored.getConfiguration());
        assertEquals(net.params(), restored.params());
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 5);
        assertEquals(net.outputSingle(x), restored.outputSingle(x));
    }

    @Test
    void configurationSurvivesJsonAndJavaSerialization() throws Exception {
        MultiLayerConfiguration conf = trainedNetwork().getLayerWiseConfigurations();
        String json = conf.toJson();
        assertTrue(json.length() < 20_000, "the connectome is stored compactly, JSON has " + json.length() + " chars");
        assertEquals(conf, MultiLayerConfiguration.fromJson(json));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(conf);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(conf, in.readObject());
        }
        ConnectomeOdeLayer original = layer();
        assertEquals(original, original.clone());
    }
}
