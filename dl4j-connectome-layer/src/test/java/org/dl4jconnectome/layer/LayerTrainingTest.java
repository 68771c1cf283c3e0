package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.rnn.LastTimeStepVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small networks with a connectome layer learn a synthetic task with DL4J's own training loop. */
class LayerTrainingTest {
    private static final int N = 40;
    private static final int INPUTS = 6;

    private static ConnectomeOdeLayer.Builder connectomeLayer(long seed) {
        Random rnd = new Random(seed);
        Connectome c = RandomConnectomes.typed(seed, N, 0.15, 2, false, Nonlinearity.SIGMOID, Nonlinearity.TANH);
        return new ConnectomeOdeLayer.Builder().connectome(c)
                .inputProjection(InputProjection.identity(RandomConnectomes.distinct(rnd, INPUTS, N), N))
                .outputNeurons(RandomConnectomes.distinct(rnd, 12, N)).evaluationPoints(6).timeSpan(0, 2);
    }

    /** Two classes: is the mean of the first half of the inputs above that of the second half? */
    private static DataSet task(long seed, int examples) {
        Random rnd = new Random(seed);
        INDArray x = Nd4j.zeros(DataType.FLOAT, examples, INPUTS);
        INDArray y = Nd4j.zeros(DataType.FLOAT, examples, 2);
        for (int e = 0; e < examples; e++) {
            double first = 0;
            double second = 0;
            for (int k = 0; k < INPUTS; k++) {
                double v = 2 * rnd.nextDouble() - 1;
                x.putScalar(e, k, v);
                if (k < INPUTS / 2) {
                    first += v;
                } else {
                    second += v;
                }
            }
            y.putScalar(e, first > second ? 0 : 1, 1.0);
        }
        return new DataSet(x, y);
    }

    private static double trainAndCompare(MultiLayerNetwork net, DataSet data, int iterations) {
        double before = net.score(data);
        for (int i = 0; i < iterations; i++) {
            net.fit(data);
        }
        double after = net.score(data);
        return after / before;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sgd", "adam"})
    void lastStateReadoutLearns(String updater) {
        IUpdater u = "sgd".equals(updater) ? new Sgd(2.0) : new Adam(0.05);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(u).list()
                .layer(connectomeLayer(3).outputSequence(false).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(2).build())
                .setInputType(InputType.feedForward(INPUTS)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        double ratio = trainAndCompare(net, task(5, 64), 80);
        assertTrue(ratio < 0.7, updater + ": loss ratio after/before = " + ratio);
    }

    @Test
    void sequenceOutputWithStandardPoolingLayerLearns() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(2).updater(new Adam(0.05)).list()
                .layer(connectomeLayer(4).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(2).build())
                .setInputType(InputType.feedForward(INPUTS)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        double ratio = trainAndCompare(net, task(6, 64), 80);
        assertTrue(ratio < 0.7, "loss ratio after/before = " + ratio);
    }

    @Test
    void computationGraphWithLastTimeStepVertexLearns() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(0.05))
                .graphBuilder().addInputs("x")
                .addLayer("ode", connectomeLayer(5).build(), "x")
                .addVertex("last", new LastTimeStepVertex("x"), "ode")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).nOut(2).build(), "last")
                .setOutputs("out").setInputTypes(InputType.feedForward(INPUTS)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        DataSet data = task(7, 64);
        double before = net.score(data);
        for (int i = 0; i < 80; i++) {
            net.fit(data);
        }
        double ratio = net.score(data) / before;
        assertTrue(ratio < 0.7, "loss ratio after/before = " + ratio);
    }
}
