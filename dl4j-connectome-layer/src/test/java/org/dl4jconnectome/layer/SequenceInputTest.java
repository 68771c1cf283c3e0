package org.dl4jconnectome.layer;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.dl4jconnectome.layer.StreamingTest.B;
import static org.dl4jconnectome.layer.StreamingTest.I;
import static org.dl4jconnectome.layer.StreamingTest.assertClose;
import static org.dl4jconnectome.layer.StreamingTest.layer;
import static org.dl4jconnectome.layer.StreamingTest.net;
import static org.dl4jconnectome.layer.StreamingTest.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sequence input as DL4J users give it: the data format from the input type, preprocessors after feed-forward
 * layers, the LastTimeStep and Bidirectional wrappers, and variable-length sequences with masks.
 */
class SequenceInputTest {
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

    @Test
    void theDataFormatFollowsTheInputType() {
        // T = I = 3, so that NWC data read as NCW would not fail but be silently wrong.
        MultiLayerNetwork nwc = net(layer(1, 4).build(), InputType.recurrent(I, 3, RNNFormat.NWC));
        MultiLayerNetwork ncw = net(layer(1, 4).build(), InputType.recurrent(I, 3, RNNFormat.NCW));
        ConnectomeOdeLayer conf = (ConnectomeOdeLayer) nwc.getLayerWiseConfigurations().getConf(0).getLayer();
        assertEquals(RNNFormat.NWC, conf.getRnnDataFormat());
        INDArray x = random(31, B, I, 3);
        INDArray outNwc = nwc.output(x.permute(0, 2, 1).dup());
        assertArrayEquals(new long[] {B, 4, 3}, outNwc.shape(), "NWC output [B, T, N_out]");
        assertClose(ncw.output(x).permute(0, 2, 1), outNwc, 1e-14, "NWC = NCW transposed");
    }

    @Test
    void anExplicitDataFormatWins() {
        MultiLayerNetwork net = net(layer(1, 4).dataFormat(RNNFormat.NCW).build(),
                InputType.recurrent(I, 3, RNNFormat.NWC));
        assertEquals(RNNFormat.NCW, ((ConnectomeOdeLayer) net.getLayerWiseConfigurations().getConf(0).getLayer())
                .getRnnDataFormat());
    }

    @Test
    void aDenseLayerBeforeTheConnectomeOnSequenceInputKeepsTheTimeAxis() {
        // Recurrent input → Dense → this layer: DL4J folds time into the batch for the dense layer; the layer's
        // preprocessor unfolds it, as for an LSTM in the same place.
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(1)
                .weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nOut(I).activation(Activation.TANH).build())
                .layer(layer(1, 5).build())
                .setInputType(InputType.recurrent(6, 7)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray x = random(32, 3, 6, 7);
        INDArray out = net.output(x);
        assertArrayEquals(new long[] {3, 3, 5}, out.shape(), "[B, N_out, points], not time folded into the batch");
        MultiLayerNetwork lstm = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .list().layer(new DenseLayer.Builder().nOut(I).build())
                .layer(new LSTM.Builder().nOut(2).build()).setInputType(InputType.recurrent(6, 7)).build());
        lstm.init();
        assertArrayEquals(new long[] {3, 2, 7}, lstm.output(x).shape(), "the LSTM reference");
        // The connectome saw the dense layer's output as a 7-bin sequence.
        INDArray dense = new org.deeplearning4j.nn.conf.preprocessor.FeedForwardToRnnPreProcessor().preProcess(
                net.feedForwardToLayer(0, x).get(1), 3, org.deeplearning4j.nn.workspace.LayerWorkspaceMgr
                        .noWorkspaces());
        MultiLayerNetwork alone = net(layer(1, 5).build(), InputType.recurrent(I, 7));
        assertClose(alone.output(dense), out, 1e-14, "the same as the layer run on the dense output");
    }

    @Test
    void lastTimeStepWrapsTheLayer() {
        MultiLayerNetwork wrapped = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).list().layer(new LastTimeStep(layer(1, 5).build()))
                .setInputType(InputType.recurrent(I, 4)).build());
        wrapped.init();
        INDArray x = random(33, B, I, 4);
        INDArray full = net(layer(1, 5).build(), InputType.recurrent(I, 4)).output(x);
        assertClose(full.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(4)), wrapped.output(x), 0.0,
                "the last evaluation point");
    }

    @Test
    void bidirectionalIsRejectedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NeuralNetConfiguration.Builder().list().layer(new Bidirectional(layer(1, 5).build()))
                        .setInputType(InputType.recurrent(I, 4)).build());
        assertTrue(e.getMessage().contains("cannot be wrapped in Bidirectional")
                && e.getMessage().contains("reverse"), e.getMessage());
    }

    /** Masks: [B, T_in] rows of ones then zeros. */
    private static INDArray mask(int t, int... lengths) {
        INDArray m = Nd4j.zeros(DataType.DOUBLE, lengths.length, t);
        for (int b = 0; b < lengths.length; b++) {
            for (int s = 0; s < lengths[b]; s++) {
                m.putScalar(b, s, 1.0);
            }
        }
        return m;
    }

    @Test
    void aMaskedSampleEqualsTheSameSampleRunAloneOnItsShorterSpan() {
        // 4 bins on [0, 2] and 5 points (one per bin edge): sample 1 with 2 valid bins ends at t = 1, where a layer on
        // [0, 1] with 3 points and its 2 bins takes the same steps.
        MultiLayerNetwork net = net(layer(2, 5).build(), InputType.recurrent(I, 4));
        INDArray x = random(34, B, I, 4);
        INDArray m = mask(4, 4, 2);
        INDArray out = net.output(x, false, m, null);
        INDArray sample1 = x.get(NDArrayIndex.interval(1, 2), NDArrayIndex.all(), NDArrayIndex.interval(0, 2));
        INDArray alone = net(layer(1, 3).build(), InputType.recurrent(I, 2)).output(sample1);
        assertClose(alone, out.get(NDArrayIndex.interval(1, 2), NDArrayIndex.all(), NDArrayIndex.interval(0, 3)), 1e-12,
                "the valid points of the short sample");
        INDArray full = net.output(x.get(NDArrayIndex.interval(0, 1), NDArrayIndex.all(), NDArrayIndex.all()));
        assertClose(full, out.get(NDArrayIndex.interval(0, 1), NDArrayIndex.all(), NDArrayIndex.all()), 1e-12,
                "the full-length sample is unaffected by its batch mate");
        // The mask passed on marks the short sample's points after t = 1.
        INDArray outMask = net.getLayer(0).feedForwardMaskArray(m, org.deeplearning4j.nn.api.MaskState.Active, B)
                .getFirst();
        assertEquals(Nd4j.createFromArray(new double[][] {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}}), outMask);
    }

    @Test
    void masksReachLastTimeStep() {
        MultiLayerNetwork wrapped = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).list().layer(new LastTimeStep(layer(2, 5).build()))
                .setInputType(InputType.recurrent(I, 4)).build());
        wrapped.init();
        INDArray x = random(35, B, I, 4);
        INDArray last = wrapped.output(x, false, mask(4, 4, 2), null);
        INDArray full = net(layer(2, 5).build(), InputType.recurrent(I, 4)).output(x, false, mask(4, 4, 2), null);
        assertClose(full.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.point(4)).reshape(1, 3),
                last.getRow(0, true), 0.0, "sample 0: its last point");
        assertClose(full.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.point(2)).reshape(1, 3),
                last.getRow(1, true), 0.0, "sample 1: the state at its own end, t = 1");
    }

    private static MultiLayerNetwork withReadout(ConnectomeOdeLayer ode, org.deeplearning4j.nn.conf.layers.Layer readout) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(3).updater(new NoOp()).weightInit(WeightInit.XAVIER).list()
                .layer(ode).layer(readout).setInputType(InputType.recurrent(I, 4)).build());
        net.init();
        return net;
    }

    /**
     * The gradient through fit()'s path (DL4J M2.1's calculateGradients passes the features mask on as the labels
     * mask, so it cannot be used with masks).
     */
    private static Gradient gradient(MultiLayerNetwork net, INDArray x, INDArray y, INDArray fMask, INDArray lMask) {
        net.setInput(x);
        net.setLabels(y);
        net.setLayerMaskArrays(fMask, lMask);
        net.computeGradientAndScore();
        Gradient g = net.gradient();
        Gradient copy = new org.deeplearning4j.nn.gradient.DefaultGradient();
        for (java.util.Map.Entry<String, INDArray> e : g.gradientForVariable().entrySet()) {
            copy.setGradientFor(e.getKey(), e.getValue().dup());
        }
        net.clearLayerMaskArrays();
        return copy;
    }

    @Test
    void maskedPointsGetNoGradientThroughAnRnnOutputLayer() {
        MultiLayerNetwork net = withReadout(layer(2, 5).build(), new RnnOutputLayer.Builder(
                LossFunctions.LossFunction.MSE)
                .activation(Activation.IDENTITY).nOut(2).build());
        INDArray x = random(36, B, I, 4);
        INDArray m = mask(4, 4, 2);
        INDArray y = random(37, B, 2, 5);
        INDArray outMask = mask(5, 5, 3);
        Gradient g1 = gradient(net, x, y, m, outMask);
        // Changing the labels at the masked points of sample 1 changes nothing.
        INDArray y2 = y.dup();
        y2.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.interval(3, 5)).assign(100);
        Gradient g2 = gradient(net, x, y2, m, outMask);
        for (String key : g1.gradientForVariable().keySet()) {
            assertClose(g1.getGradientFor(key), g2.getGradientFor(key), 1e-12, "gradient " + key);
        }
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                .inputMask(m).labelMask(outMask).epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)), "gradient check with masks");
    }

    @Test
    void globalPoolingPoolsTheValidPointsOnly() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .list().layer(layer(2, 5).build()).layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .setInputType(InputType.recurrent(I, 4)).build());
        net.init();
        INDArray x = random(38, B, I, 4);
        INDArray pooled = net.output(x, false, mask(4, 4, 2), null);
        INDArray full = net(layer(2, 5).build(), InputType.recurrent(I, 4)).output(x, false, mask(4, 4, 2), null);
        INDArray expected = full.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.interval(0, 3))
                .mean(1).reshape(1, 3);
        assertClose(expected, pooled.getRow(1, true), 1e-14, "the mean over sample 1's three valid points");
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(withReadout(
                layer(2, 5).outputSequence(false).build(), new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).nOut(2)
                        .build())).input(x).labels(random(39, B, 2)).inputMask(mask(4, 4, 2)).epsilon(1e-6)
                .maxRelError(1e-5).minAbsoluteError(1e-9).print(GradientCheckUtil.PrintMode.FAILURES_ONLY)),
                "gradient check through the final state of masked samples");
    }

    @Test
    void masksThatAreNotOnesThenZerosAreRejected() {
        MultiLayerNetwork net = net(layer(2, 5).build(), InputType.recurrent(I, 4));
        INDArray x = random(40, B, I, 4);
        INDArray holes = Nd4j.createFromArray(new double[][] {{1, 1, 1, 1}, {1, 0, 1, 0}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.output(x, false, holes, null));
        assertTrue(e.getMessage().contains("features mask row 1") && e.getMessage().contains("ones then zeros"),
                e.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> net.output(x, false, mask(4, 4, 0), null));
        assertTrue(empty.getMessage().contains("all zeros"), empty.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> net.output(x, false, mask(3, 3, 3), null));
        assertTrue(shape.getMessage().contains("features mask has shape [2, 3]"), shape.getMessage());
    }
}
