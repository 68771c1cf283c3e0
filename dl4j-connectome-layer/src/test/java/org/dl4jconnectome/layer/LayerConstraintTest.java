package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A plain SGD step large enough to push parameters out of bounds leaves W ≥ 0, G ≥ 0 and τ ≥ tauMin. */
class LayerConstraintTest {

    @ParameterizedTest
    @EnumSource(TauMode.class)
    void hugeSgdStepKeepsParametersInBounds(TauMode tauMode) {
        double tauMin = 1.5;
        String[] keys = {"0_W", "0_G", "0_tau"};
        double[] mins = {0.0, 0.0, tauMin};
        boolean[] pushedOut = new boolean[keys.length];
        // Targets far above and far below the outputs: between them, every bound is pushed against.
        for (double target : new double[] {10, -10}) {
            MultiLayerNetwork net = network(tauMode, tauMin);
            INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 4);
            INDArray y = Nd4j.rand(DataType.DOUBLE, 5, 3).muli(target);
            net.setInput(x);
            net.setLabels(y);
            net.computeGradientAndScore();
            Gradient g = net.gradient();
            for (int i = 0; i < keys.length; i++) {
                INDArray unconstrained = net.getParam(keys[i]).sub(g.getGradientFor(keys[i]).mul(LR));
                pushedOut[i] |= unconstrained.minNumber().doubleValue() < mins[i];
            }
            net.fit(x, y);
            for (int i = 0; i < keys.length; i++) {
                double lowest = net.getParam(keys[i]).minNumber().doubleValue();
                assertTrue(lowest >= mins[i], keys[i] + " went below its bound " + mins[i] + ": " + lowest);
            }
        }
        for (int i = 0; i < keys.length; i++) {
            assertTrue(pushedOut[i], keys[i] + ": no SGD step of the test left the bound; make it larger");
        }
    }

    private static final double LR = 1e4;

    private static MultiLayerNetwork network(TauMode tauMode, double tauMin) {
        Random rnd = new Random(9);
        Connectome c = RandomConnectomes.typed(9, 20, 0.3, 2, false, Nonlinearity.SIGMOID);
        c = c.toBuilder().typeTau(1.6, 2.0).build();
        ConnectomeOdeLayer layer = new ConnectomeOdeLayer.Builder().connectome(c)
                .inputProjection(InputProjection.identity(RandomConnectomes.distinct(rnd, 4, 20), 20))
                .typePairGains(true).tauMode(tauMode).tauMin(tauMin).outputSequence(false).evaluationPoints(4).build();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.DOUBLE).updater(new Sgd(LR)).list().layer(layer)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).nOut(3)
                        .build())
                .setInputType(InputType.feedForward(4)).build());
        net.init();
        Nd4j.getRandom().setSeed(2);
        return net;
    }
}
