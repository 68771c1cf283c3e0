package org.dl4jconnectome.cuda;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.model.ConnectomeBackend;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A DL4J network with a connectome layer, as a user runs it: the same network on the CPU and, with
 * {@code -Ddl4jconnectome.backend=gpu}, on the (emulated) GPU gives the same output, gradient and parameters after a
 * few SGD steps.
 */
class CudaLayerTest {
    private static final int N = 30;
    private static final int INPUTS = 4;
    private String previousLibrary;
    private String previousBackend;

    @BeforeEach
    void useEmulator() {
        previousLibrary = Emulator.use();
        previousBackend = System.getProperty(ConnectomeBackend.PROPERTY);
    }

    @AfterEach
    void restore() {
        Emulator.restore(previousLibrary);
        if (previousBackend == null) {
            System.clearProperty(ConnectomeBackend.PROPERTY);
        } else {
            System.setProperty(ConnectomeBackend.PROPERTY, previousBackend);
        }
    }

    private static MultiLayerNetwork network(DataType type, String backend) {
        System.setProperty(ConnectomeBackend.PROPERTY, backend);
        Random rnd = new Random(7);
        Connectome c = RandomConnectomes.typed(7, N, 0.2, 2, false, Nonlinearity.SIGMOID, Nonlinearity.TANH);
        ConnectomeOdeLayer layer = new ConnectomeOdeLayer.Builder().connectome(c)
                .inputProjection(InputProjection.identity(RandomConnectomes.distinct(rnd, INPUTS, N), N))
                .outputNeurons(RandomConnectomes.distinct(rnd, 8, N)).evaluationPoints(5).timeSpan(0, 2)
                .typePairGains(true).outputSequence(false).build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(type).seed(3)
                .updater(new Sgd(0.5)).list().layer(layer)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).nOut(2)
                        .build())
                .setInputType(InputType.feedForward(INPUTS)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static void assertClose(INDArray expected, INDArray actual, double relative, String what) {
        double[] e = expected.castTo(DataType.DOUBLE).data().asDouble();
        double[] a = actual.castTo(DataType.DOUBLE).data().asDouble();
        assertEquals(e.length, a.length, what);
        double scale = 0;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], relative * scale, what + "[" + i + "]");
        }
    }

    @ParameterizedTest(name = "float32 {0}")
    @ValueSource(booleans = {false, true})
    void trainingOnTheGpuMatchesTheCpu(boolean single) {
        DataType type = single ? DataType.FLOAT : DataType.DOUBLE;
        double tol = single ? 1e-5 : 1e-12;
        INDArray x = Nd4j.rand(type, 5, INPUTS).subi(0.5);
        INDArray y = Nd4j.rand(type, 5, 2);
        DataSet data = new DataSet(x, y);
        MultiLayerNetwork cpu = network(type, "cpu");
        INDArray outCpu = cpu.output(x);
        cpu.setInput(x);
        cpu.setLabels(y);
        cpu.computeGradientAndScore();
        INDArray gradCpu = cpu.gradient().gradient().dup();
        for (int i = 0; i < 3; i++) {
            cpu.fit(data);
        }
        MultiLayerNetwork gpu = network(type, "gpu");
        assertClose(outCpu, gpu.output(x), tol, "output");
        gpu.setInput(x);
        gpu.setLabels(y);
        gpu.computeGradientAndScore();
        assertClose(gradCpu, gpu.gradient().gradient(), tol, "gradient");
        for (int i = 0; i < 3; i++) {
            gpu.fit(data);
        }
        assertClose(cpu.params(), gpu.params(), tol, "parameters after 3 SGD steps");
    }
}
