package org.dl4jconnectome.golden;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.datasets.CElegansConnectome;
import org.dl4jconnectome.io.Npy;
import org.dl4jconnectome.io.NpyArray;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.layer.TauMode;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * Writes the golden files of one library version: small trained networks saved with {@code ModelSerializer}, the
 * inputs they are checked on and their outputs, as {@code NAME.zip}, {@code NAME-input.npy}, {@code NAME-output.npy}.
 * A version's golden files are written once, by that version, and never regenerated: {@link GoldenModelsTest} holds
 * every later version to them. Run with the test classpath: {@code GoldenModels DIR}.
 */
public final class GoldenModels {
    /** The golden models: a name and how to build, train and probe it. */
    enum Model {
        /**
         * Sequence input [B, 4, 5] (NCW), 3 typed E/I types with sigmoid/tanh/softplus, signed edges off, type-pair
         * gains with a non-trivial initial value, per-neuron τ, tauMin 0.5, bias, output selection, 2 steps per
         * interval on [0, 1.5], an RnnOutputLayer; float64; trained 5 Adam steps.
         */
        SEQUENCE_TYPED {
            @Override
            MultiLayerNetwork build() {
                Random rnd = new Random(11);
                Connectome c = RandomConnectomes.typed(11, 24, 0.2, 3, false, Nonlinearity.SIGMOID, Nonlinearity.TANH,
                        Nonlinearity.SOFTPLUS);
                double[] gains = new double[9];
                for (int i = 0; i < gains.length; i++) {
                    gains[i] = 0.5 + rnd.nextDouble();
                }
                double[] bias = new double[24];
                for (int i = 0; i < bias.length; i++) {
                    bias[i] = 0.2 * rnd.nextGaussian();
                }
                ConnectomeOdeLayer ode = new ConnectomeOdeLayer.Builder().name("ode").connectome(c)
                        .inputProjection(InputProjection.of(RandomConnectomes.matrix(rnd, 24, 4, 0.3, -1, 1)))
                        .outputNeurons(RandomConnectomes.distinct(rnd, 6, 24)).typePairGainInit(gains)
                        .tauMode(TauMode.PER_NEURON).tauMin(0.5).initialBias(bias).timeSpan(0, 1.5).evaluationPoints(6)
                        .stepsPerInterval(2).build();
                MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(12)
                        .dataType(DataType.DOUBLE).updater(new Adam(0.02)).list()
                        .layer(ode)
                        .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE)
                                .activation(Activation.IDENTITY).nOut(2).build())
                        .setInputType(InputType.recurrent(4, 5)).build();
                MultiLayerNetwork net = new MultiLayerNetwork(conf);
                net.init();
                INDArray x = uniform(13, DataType.DOUBLE, 6, 4, 5);
                INDArray y = uniform(14, DataType.DOUBLE, 6, 2, 6);
                for (int i = 0; i < 5; i++) {
                    net.fit(x, y);
                }
                return net;
            }

            @Override
            INDArray probe() {
                return uniform(15, DataType.DOUBLE, 3, 4, 5);
            }
        },
        /**
         * The C. elegans connectome (299 neurons, 117 classes) as a classifier: 16 inputs onto sensory neurons, h(t1)
         * of the motor neurons, Dense, softmax; type-pair gains, τ per type, float32; trained 4 Adam steps.
         */
        CELEGANS_CLASSIFIER {
            @Override
            MultiLayerNetwork build() {
                CElegansConnectome worm = CElegansConnectome.load();
                Connectome c = worm.connectome();
                int[] sensory = worm.sensoryNeurons();
                int inputs = 16;
                int[] rows = new int[inputs];
                int[] cols = new int[inputs];
                double[] values = new double[inputs];
                for (int k = 0; k < inputs; k++) {
                    rows[k] = sensory[k * sensory.length / inputs];
                    cols[k] = k;
                    values[k] = 1.0;
                }
                ConnectomeOdeLayer ode = new ConnectomeOdeLayer.Builder().name("worm").connectome(c)
                        .inputProjection(InputProjection.of(CsrMatrix.fromCoo(c.numNeurons(), inputs, rows, cols,
                                values)))
                        .outputNeurons(worm.motorNeurons()).typePairGains(true).trainSynapses(false).tauMin(0.5)
                        .timeSpan(0, 2).evaluationPoints(5).outputSequence(false).build();
                MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(21)
                        .dataType(DataType.FLOAT).updater(new Adam(0.01)).list()
                        .layer(ode)
                        .layer(new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build())
                        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                .activation(Activation.SOFTMAX).nOut(3).build())
                        .setInputType(InputType.feedForward(inputs)).build();
                MultiLayerNetwork net = new MultiLayerNetwork(conf);
                net.init();
                INDArray x = uniform(22, DataType.FLOAT, 12, inputs);
                INDArray y = Nd4j.zeros(DataType.FLOAT, 12, 3);
                for (int i = 0; i < 12; i++) {
                    y.putScalar(i, i % 3, 1.0);
                }
                for (int i = 0; i < 4; i++) {
                    net.fit(x, y);
                }
                return net;
            }

            @Override
            INDArray probe() {
                return uniform(23, DataType.FLOAT, 4, 16);
            }
        },
        /**
         * Constant input, signed edges, one type, frozen τ and synapses, NWC output, adaptive inference at atol 1e-8 /
         * rtol 1e-6; float64; not trained (the configured parameters).
         */
        ADAPTIVE_NWC {
            @Override
            MultiLayerNetwork build() {
                Random rnd = new Random(31);
                Connectome c = RandomConnectomes.typed(31, 20, 0.25, 2, true, Nonlinearity.TANH, Nonlinearity.SILU);
                ConnectomeOdeLayer ode = new ConnectomeOdeLayer.Builder().connectome(c)
                        .inputProjection(InputProjection.of(RandomConnectomes.matrix(rnd, 20, 3, 0.4, -1, 1)))
                        .trainTau(false).trainSynapses(false).timeSpan(0.5, 2.5).evaluationPoints(7)
                        .dataFormat(org.deeplearning4j.nn.conf.RNNFormat.NWC).adaptiveInference(1e-8, 1e-6)
                        .build();
                MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(32)
                        .dataType(DataType.DOUBLE).list()
                        .layer(ode)
                        .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE)
                                .activation(Activation.IDENTITY).nOut(2).dataFormat(
                                        org.deeplearning4j.nn.conf.RNNFormat.NWC).build())
                        .setInputType(InputType.feedForward(3)).build();
                MultiLayerNetwork net = new MultiLayerNetwork(conf);
                net.init();
                return net;
            }

            @Override
            INDArray probe() {
                return uniform(33, DataType.DOUBLE, 3, 3);
            }
        };

        abstract MultiLayerNetwork build();

        abstract INDArray probe();

        String fileName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    private GoldenModels() {
    }

    /** Uniform values in [-1, 1) from java.util.Random (independent of ND4J's generator). */
    static INDArray uniform(long seed, DataType type, long... shape) {
        Random rnd = new Random(seed);
        double[] v = new double[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < v.length; i++) {
            v[i] = 2 * rnd.nextDouble() - 1;
        }
        return Nd4j.create(v, shape, 'c').castTo(type);
    }

    static NpyArray toNpy(INDArray a) {
        long[] shape = a.shape();
        if (a.dataType() == DataType.DOUBLE) {
            return NpyArray.ofFloat64(a.dup('c').data().asDouble(), shape);
        }
        return NpyArray.ofFloat32(a.dup('c').data().asFloat(), shape);
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (Model m : Model.values()) {
            MultiLayerNetwork net = m.build();
            INDArray x = m.probe();
            INDArray out = net.output(x);
            ModelSerializer.writeModel(net, dir.resolve(m.fileName() + ".zip").toFile(), true);
            Npy.write(dir.resolve(m.fileName() + "-input.npy"), toNpy(x));
            Npy.write(dir.resolve(m.fileName() + "-output.npy"), toNpy(out));
        }
    }
}
