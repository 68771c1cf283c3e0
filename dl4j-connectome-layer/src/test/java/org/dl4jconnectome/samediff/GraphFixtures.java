package org.dl4jconnectome.samediff;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.layer.InitialState;
import org.dl4jconnectome.layer.TauMode;
import org.dl4jconnectome.ode.RungeKuttaMethod;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

/** Small connectome layer configurations, their DL4J networks and inputs, for the graph's tests. */
final class GraphFixtures {
    static final int NEURONS = 9;
    static final int INPUTS = 4;

    private GraphFixtures() {
    }

    /** One variation of the layer's configuration. */
    static final class Case {
        final String name;
        boolean signedEdges;
        boolean allExcitatory;
        boolean gains;
        TauMode tauMode = TauMode.PER_TYPE;
        /** 0: constant input [B, I]. */
        int bins;
        int batch = 2;
        boolean selectOutputs;
        boolean sequenceOutput = true;
        RNNFormat format = RNNFormat.NCW;
        RungeKuttaMethod method = RungeKuttaMethod.DOPRI5;
        int stepsPerInterval = 1;
        int points = 4;
        boolean frozen;
        InitialState initialState = InitialState.ZEROS;
        Nonlinearity[] phi = {Nonlinearity.SIGMOID, Nonlinearity.TANH};

        Case(String name) {
            this.name = name;
        }

        Case signedEdges() {
            signedEdges = true;
            return this;
        }

        Case allExcitatory() {
            allExcitatory = true;
            return this;
        }

        Case gains() {
            gains = true;
            return this;
        }

        Case perNeuronTau() {
            tauMode = TauMode.PER_NEURON;
            return this;
        }

        Case bins(int t) {
            bins = t;
            return this;
        }

        Case batch(int b) {
            batch = b;
            return this;
        }

        Case selectOutputs() {
            selectOutputs = true;
            return this;
        }

        Case finalStateOnly() {
            sequenceOutput = false;
            return this;
        }

        Case nwc() {
            format = RNNFormat.NWC;
            return this;
        }

        Case method(RungeKuttaMethod m, int perInterval) {
            method = m;
            stepsPerInterval = perInterval;
            return this;
        }

        Case points(int p) {
            points = p;
            return this;
        }

        Case frozen() {
            frozen = true;
            return this;
        }

        Case ones() {
            initialState = InitialState.ONES;
            return this;
        }

        Case phi(Nonlinearity... f) {
            phi = f;
            return this;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The layer configuration of a case: random structure, bias and gains from the seed. */
    static ConnectomeOdeLayer layer(Case c, long seed) {
        Random rnd = new Random(seed);
        Connectome conn = RandomConnectomes.typed(seed, NEURONS, 0.35, c.phi.length, c.signedEdges, c.phi);
        InputProjection u = InputProjection.of(RandomConnectomes.matrix(rnd, NEURONS, INPUTS, 0.4, -1, 1));
        double[] bias = new double[NEURONS];
        for (int i = 0; i < NEURONS; i++) {
            bias[i] = 0.3 * rnd.nextGaussian();
        }
        ConnectomeOdeLayer.Builder b = new ConnectomeOdeLayer.Builder().connectome(conn).inputProjection(u)
                .allExcitatory(c.allExcitatory).tauMode(c.tauMode).initialBias(bias).timeSpan(0, 1.5)
                .evaluationPoints(c.points).method(c.method).stepsPerInterval(c.stepsPerInterval)
                .outputSequence(c.sequenceOutput).dataFormat(c.format).initialState(c.initialState);
        if (c.gains) {
            double[] g = new double[c.phi.length * c.phi.length];
            for (int i = 0; i < g.length; i++) {
                g[i] = 0.5 + rnd.nextDouble();
            }
            b.typePairGainInit(g);
        }
        if (c.selectOutputs) {
            b.outputNeurons(RandomConnectomes.distinct(rnd, 5, NEURONS));
        }
        if (c.frozen) {
            b.trainSynapses(false).trainBias(false);
        }
        return b.build();
    }

    /** A float64 network holding only the layer. */
    static MultiLayerNetwork network(ConnectomeOdeLayer layer) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .updater(new NoOp()).list().layer(layer.clone()).build());
        net.init();
        net.initGradientsView();
        return net;
    }

    /** A float64 network: the layer, then a mean-squared-error loss on its output. */
    static MultiLayerNetwork regression(ConnectomeOdeLayer layer, IUpdater updater) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .updater(updater).list().layer(layer.clone())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build())
                .build());
        net.init();
        return net;
    }

    /** The configuration of the layer inside a network (with the settings the network gave it). */
    static ConnectomeOdeLayer configuration(Layer layer) {
        return (ConnectomeOdeLayer) layer.conf().getLayer();
    }

    /** A random input of the case's shape. */
    static INDArray input(Case c, long seed) {
        Nd4j.getRandom().setSeed(seed);
        long[] shape = c.bins == 0 ? new long[] {c.batch, INPUTS}
                : c.format == RNNFormat.NCW ? new long[] {c.batch, INPUTS, c.bins} : new long[] {c.batch, c.bins, INPUTS};
        return Nd4j.rand(DataType.DOUBLE, shape).muli(2).subi(1);
    }

    /** The graph's placeholder shape for the case's input, batch unknown. */
    static long[] placeholderShape(Case c) {
        return c.bins == 0 ? new long[] {-1, INPUTS}
                : c.format == RNNFormat.NCW ? new long[] {-1, INPUTS, c.bins} : new long[] {-1, c.bins, INPUTS};
    }

    /** The entries of a dense row-major matrix at a sparse matrix's stored positions, in CSR order. */
    static double[] atStructure(INDArray dense, CsrMatrix structure) {
        int[] rows = structure.rowIndices();
        int[] cols = structure.columnIndices();
        double[] out = new double[rows.length];
        for (int e = 0; e < out.length; e++) {
            out[e] = dense.getDouble(rows[e], cols[e]);
        }
        return out;
    }

    /** Largest |dense| off a sparse matrix's stored positions. */
    static double offStructure(INDArray dense, CsrMatrix structure) {
        INDArray d = dense.dup();
        int[] rows = structure.rowIndices();
        int[] cols = structure.columnIndices();
        for (int e = 0; e < rows.length; e++) {
            d.putScalar(rows[e], cols[e], 0.0);
        }
        return d.amaxNumber().doubleValue();
    }

    /** max |a − b| / max |a|. */
    static double relativeError(double[] expected, double[] actual) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }
}
