package org.dl4jconnectome.layer;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.TimeDistributed;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.ode.RungeKuttaMethod;
import org.dl4jconnectome.ode.SolverSpec;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks (DL4J's GradientCheckUtil, double precision, NoOp updater) of every trainable parameter,
 * and of the input gradient through a trainable layer in front of the connectome layer.
 */
class LayerGradientCheckTest {
    private static DataType defaultType;
    private static DataType defaultFloatType;

    @BeforeAll
    static void doublePrecision() {
        defaultType = Nd4j.dataType();
        defaultFloatType = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(defaultType, defaultFloatType);
    }

    /** A configuration of the connectome layer under test. */
    static final class Case {
        final String name;
        final boolean signedEdges;
        final boolean allExcitatory;
        final boolean gains;
        final TauMode tauMode;
        final int segments;
        final int batch;
        final boolean selectOutputs;
        final Nonlinearity[] phi;
        RungeKuttaMethod method = RungeKuttaMethod.DOPRI5;
        int checkpointEvery;

        Case(String name, boolean signedEdges, boolean allExcitatory, boolean gains, TauMode tauMode, int segments,
             int batch, boolean selectOutputs, Nonlinearity... phi) {
            this.name = name;
            this.signedEdges = signedEdges;
            this.allExcitatory = allExcitatory;
            this.gains = gains;
            this.tauMode = tauMode;
            this.segments = segments;
            this.batch = batch;
            this.selectOutputs = selectOutputs;
            this.phi = phi;
        }

        /** This case with another method and reverse-pass checkpointing. */
        Case with(RungeKuttaMethod m, int checkpoint) {
            this.method = m;
            this.checkpointEvery = checkpoint;
            return this;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(new Case("dale, constant input, outputs selected", false, false, false, TauMode.PER_TYPE,
                        1, 3, true, Nonlinearity.SIGMOID, Nonlinearity.TANH)),
                Arguments.of(new Case("dale, sequence input, minibatch 1", false, false, false, TauMode.PER_TYPE, 3, 1,
                        false, Nonlinearity.SOFTPLUS, Nonlinearity.SIGMOID)),
                Arguments.of(new Case("all excitatory, sequence input, per-neuron tau", false, true, false,
                        TauMode.PER_NEURON, 4, 2, true, Nonlinearity.SIGMOID, Nonlinearity.SILU)),
                Arguments.of(new Case("signed edges with type-pair gains, sequence input", true, false, true,
                        TauMode.PER_TYPE, 3, 2, true, Nonlinearity.TANH, Nonlinearity.SOFTPLUS, Nonlinearity.ELU)),
                Arguments.of(new Case("signed edges, constant input, all outputs, relu/identity", true, false, false,
                        TauMode.PER_NEURON, 1, 2, false, Nonlinearity.IDENTITY, Nonlinearity.RELU)),
                Arguments.of(new Case("tsit5, checkpoints every 2 steps, type-pair gains, sequence input", false, false,
                        true, TauMode.PER_TYPE, 3, 2, true, Nonlinearity.SIGMOID, Nonlinearity.TANH)
                        .with(RungeKuttaMethod.TSIT5, 2)));
    }

    private static MultiLayerNetwork network(Case c, long seed) {
        int n = 9;
        int inputs = 4;
        int raw = 3;
        Random rnd = new Random(seed);
        Connectome conn = RandomConnectomes.typed(seed, n, 0.35, c.phi.length, c.signedEdges, c.phi);
        InputProjection u = InputProjection.of(RandomConnectomes.matrix(rnd, n, inputs, 0.4, -1, 1));
        double[] bias = new double[n];
        for (int i = 0; i < n; i++) {
            bias[i] = 0.3 * rnd.nextGaussian();
        }
        ConnectomeOdeLayer.Builder ode = new ConnectomeOdeLayer.Builder().connectome(conn).inputProjection(u)
                .allExcitatory(c.allExcitatory).tauMode(c.tauMode).initialBias(bias).timeSpan(0, 1.5).evaluationPoints(4)
                .solver(SolverSpec.fixed(2).withMethod(c.method).withCheckpointEvery(c.checkpointEvery));
        if (c.gains) {
            double[] g = new double[c.phi.length * c.phi.length];
            for (int i = 0; i < g.length; i++) {
                g[i] = 0.5 + rnd.nextDouble();
            }
            ode.typePairGainInit(g);
        }
        if (c.selectOutputs) {
            ode.outputNeurons(RandomConnectomes.distinct(rnd, 5, n));
        }
        ConnectomeOdeLayer odeLayer = ode.build();
        DenseLayer dense = new DenseLayer.Builder().nIn(raw).nOut(inputs).activation(Activation.IDENTITY).build();
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).updater(new NoOp()).weightInit(WeightInit.XAVIER).list();
        if (c.segments > 1) {
            list.layer(new TimeDistributed(dense, RNNFormat.NCW));
        } else {
            list.layer(dense);
        }
        MultiLayerConfiguration conf = list.layer(odeLayer)
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .nOut(2).build())
                .setInputType(c.segments > 1 ? InputType.recurrent(raw, c.segments) : InputType.feedForward(raw))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static INDArray features(Case c, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return c.segments > 1 ? Nd4j.randn(DataType.DOUBLE, c.batch, 3, c.segments)
                : Nd4j.randn(DataType.DOUBLE, c.batch, 3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferences(Case c) {
        MultiLayerNetwork net = network(c, 42);
        INDArray x = features(c, 7);
        INDArray labels = Nd4j.randn(DataType.DOUBLE, c.batch, 2, 4);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x)
                .labels(labels).epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
        assertTrue(ok, "gradient check failed for " + c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void inputGradientMatchesFiniteDifferences(Case c) {
        MultiLayerNetwork net = network(c, 43);
        INDArray x = features(c, 8);
        INDArray labels = Nd4j.randn(DataType.DOUBLE, c.batch, 2, 4);
        Pair<Gradient, INDArray> g = net.calculateGradients(x, labels, null, null);
        INDArray analytic = g.getSecond();
        double eps = 1e-6;
        INDArray flat = x.reshape(x.length());
        for (int i = 0; i < flat.length(); i++) {
            double orig = flat.getDouble(i);
            flat.putScalar(i, orig + eps);
            double plus = score(net, x, labels);
            flat.putScalar(i, orig - eps);
            double minus = score(net, x, labels);
            flat.putScalar(i, orig);
            // calculateGradients returns the gradient of the summed (not minibatch-averaged) loss.
            double numeric = (plus - minus) / (2 * eps) * c.batch;
            double a = analytic.reshape(analytic.length()).getDouble(i);
            assertEquals(numeric, a, 1e-6 + 1e-5 * Math.abs(numeric), "input element " + i);
        }
    }

    private static double score(MultiLayerNetwork net, INDArray x, INDArray labels) {
        return net.score(new org.nd4j.linalg.dataset.DataSet(x, labels), false);
    }
}
