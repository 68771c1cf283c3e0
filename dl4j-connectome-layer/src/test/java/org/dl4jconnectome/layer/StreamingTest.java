package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.ode.SolverSpec;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streaming inference through DL4J's public API ({@code MultiLayerNetwork.rnnTimeStep} and the state methods):
 * consecutive windows against one long integration over the concatenated input and time span.
 */
class StreamingTest {
    static final int N = 14;
    static final int I = 3;
    static final int B = 2;

    static Connectome connectome() {
        return RandomConnectomes.typed(21, N, 0.3, 2, false, Nonlinearity.SIGMOID, Nonlinearity.TANH);
    }

    static InputProjection projection() {
        return InputProjection.of(RandomConnectomes.matrix(new Random(22), N, I, 0.5, -1, 1));
    }

    /** A layer on [0, span] with the given points and bins-per-window input; outputs neurons 1, 4 and 9. */
    static ConnectomeOdeLayer.Builder layer(double span, int points) {
        double[] bias = new double[N];
        Random rnd = new Random(23);
        for (int i = 0; i < N; i++) {
            bias[i] = 0.3 * rnd.nextGaussian();
        }
        return new ConnectomeOdeLayer.Builder().connectome(connectome()).inputProjection(projection())
                .initialBias(bias).timeSpan(0, span).evaluationPoints(points).stepsPerInterval(2)
                .outputNeurons(1, 4, 9);
    }

    static MultiLayerNetwork net(ConnectomeOdeLayer layer, InputType in) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .list().layer(layer).setInputType(in).build());
        net.init();
        return net;
    }

    static INDArray random(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.DOUBLE, shape).subi(0.5).muli(2);
    }

    static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double max = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(max <= tol, what + ": max |difference| " + max);
    }

    /** Points [from, to) of an NCW output. */
    static INDArray points(INDArray out, int from, int to) {
        return out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(from, to));
    }

    @Test
    void consecutiveWindowsEqualOneLongIntegration() {
        // Three windows of [0, 1] with 4 input bins and 5 points each, against [0, 3] with 12 bins and 13 points.
        MultiLayerNetwork window = net(layer(1, 5).build(), InputType.recurrent(I, 4));
        MultiLayerNetwork whole = net(layer(3, 13).build(), InputType.recurrent(I, 12));
        INDArray x = random(1, B, I, 12);
        INDArray expected = whole.output(x);
        for (int w = 0; w < 3; w++) {
            INDArray chunk = x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(4 * w, 4 * w + 4));
            INDArray out = window.rnnTimeStep(chunk);
            // Each window starts with the state where the previous one ended.
            assertClose(points(expected, 4 * w, 4 * w + 5), out, 1e-12, "window " + w);
        }
    }

    @Test
    void twoDimensionalInputIsOneWindowOfConstantInput() {
        MultiLayerNetwork window = net(layer(1, 3).build(), InputType.feedForward(I));
        MultiLayerNetwork whole = net(layer(2, 5).build(), InputType.recurrent(I, 2));
        INDArray a = random(2, B, I);
        INDArray b = random(3, B, I);
        INDArray expected = whole.output(Nd4j.stack(2, a, b));
        assertClose(points(expected, 0, 3), window.rnnTimeStep(a), 1e-12, "window 0");
        assertClose(points(expected, 2, 5), window.rnnTimeStep(b), 1e-12, "window 1 (not the readout of h(t0) = 0)");
    }

    @Test
    void adaptiveWindowsAgreeWithinTheTolerances() {
        SolverSpec adaptive = SolverSpec.adaptive(1e-9, 1e-7);
        MultiLayerNetwork window = net(layer(1, 5).inferenceSolver(adaptive).build(), InputType.recurrent(I, 2));
        MultiLayerNetwork whole = net(layer(2, 9).inferenceSolver(adaptive).build(), InputType.recurrent(I, 4));
        INDArray x = random(4, B, I, 4);
        INDArray expected = whole.output(x);
        assertClose(points(expected, 0, 5), window.rnnTimeStep(x.get(NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(0, 2))), 1e-6, "window 0");
        assertClose(points(expected, 4, 9), window.rnnTimeStep(x.get(NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(2, 4))), 1e-6, "window 1");
    }

    @Test
    void theStateHoldsEveryNeuronAndClearingReturnsToTheInitialState() {
        MultiLayerNetwork window = net(layer(1, 5).build(), InputType.recurrent(I, 4));
        INDArray x = random(5, B, I, 4);
        INDArray first = window.rnnTimeStep(x);
        Map<String, INDArray> state = window.rnnGetPreviousState(0);
        assertEquals(1, state.size());
        INDArray h = state.get(ConnectomeOdeRuntimeLayer.STATE_KEY);
        assertArrayEquals(new long[] {B, N}, h.shape(), "all neurons, whatever the output selection");
        // The output's last point is the state of the selected neurons.
        int[] sel = {1, 4, 9};
        for (int o = 0; o < sel.length; o++) {
            for (int b = 0; b < B; b++) {
                assertEquals(first.getDouble(b, o, 4), h.getDouble(b, sel[o]), 0.0);
            }
        }
        window.rnnClearPreviousState();
        assertTrue(window.rnnGetPreviousState(0).isEmpty());
        assertClose(first, window.rnnTimeStep(x), 0.0, "after clearing, the first window again");
    }

    @Test
    void aStateSetByTheUserIsWhereTheNextWindowStarts() {
        MultiLayerNetwork window = net(layer(1, 5).build(), InputType.recurrent(I, 4));
        INDArray x = random(6, B, I, 4);
        INDArray h0 = random(7, B, N);
        window.rnnSetPreviousState(0, Map.of(ConnectomeOdeRuntimeLayer.STATE_KEY, h0));
        INDArray streamed = window.rnnTimeStep(x);
        MultiLayerNetwork reference = net(layer(1, 5).build(), InputType.recurrent(I, 4));
        ((ConnectomeOdeRuntimeLayer) reference.getLayer(0)).setInitialState(h0);
        assertClose(reference.output(x), streamed, 0.0, "a window from a set state = a pass from that initial state");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> window.rnnSetPreviousState(0, Map.of("c", h0)));
        assertTrue(e.getMessage().contains("{\"h\": [B, " + N + "]}"), e.getMessage());
    }

    @Test
    void aBatchSizeChangeBetweenWindowsIsAClearError() {
        MultiLayerNetwork window = net(layer(1, 5).build(), InputType.recurrent(I, 4));
        window.rnnTimeStep(random(8, B, I, 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> window.rnnTimeStep(random(9, B + 1, I, 4)));
        assertTrue(e.getMessage().contains("batch size changed") && e.getMessage().contains("rnnClearPreviousState"),
                e.getMessage());
    }

    @Test
    void outputIgnoresTheStreamingState() {
        MultiLayerNetwork window = net(layer(1, 5).build(), InputType.recurrent(I, 4));
        INDArray x = random(10, B, I, 4);
        INDArray fresh = window.output(x);
        window.rnnTimeStep(x);
        assertClose(fresh, window.output(x), 0.0, "output() always starts from the initial state");
    }

    @Test
    void cloneAndSerializationDoNotCarryTheState() throws Exception {
        MultiLayerNetwork window = net(layer(1, 5).build(), InputType.recurrent(I, 4));
        INDArray x = random(11, B, I, 4);
        INDArray first = window.rnnTimeStep(x);
        window.rnnTimeStep(x);
        assertTrue(window.clone().rnnGetPreviousState(0).isEmpty(), "clone()");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(window);
        }
        MultiLayerNetwork restored;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            restored = (MultiLayerNetwork) in.readObject();
        }
        assertTrue(restored.rnnGetPreviousState(0).isEmpty(), "Java serialization");
        assertClose(first, restored.rnnTimeStep(x), 0.0, "a restored network streams from the start");
    }

    @Test
    void truncatedBpttIsRejectedWithAMessage() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .list().layer(layer(1, 4).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .nOut(2).build())
                .backpropType(BackpropType.TruncatedBPTT).tBPTTLength(2).setInputType(InputType.recurrent(I, 4))
                .build());
        net.init();
        INDArray before = net.params().dup();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> net.fit(random(12, B, I, 4), random(13, B, 2, 4)));
        assertTrue(e.getMessage().contains("truncated BPTT") && e.getMessage().contains("BackpropType.Standard"),
                e.getMessage());
        assertEquals(before, net.params(), "nothing was trained");
    }
}
