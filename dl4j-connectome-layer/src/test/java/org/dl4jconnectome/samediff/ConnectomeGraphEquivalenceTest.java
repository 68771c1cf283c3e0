package org.dl4jconnectome.samediff;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.layer.ConnectomeOdeParamInitializer;
import org.dl4jconnectome.ode.RungeKuttaMethod;
import org.dl4jconnectome.samediff.GraphFixtures.Case;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.dl4jconnectome.samediff.GraphFixtures.atStructure;
import static org.dl4jconnectome.samediff.GraphFixtures.relativeError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The graph against the DL4J layer, both freshly initialised from one configuration, in float64: the graph's output
 * equals the layer's to 1e-12, and SameDiff's autodiff gradients of a random linear functional of the output equal
 * the layer's hand-written reverse pass ({@code backpropGradient}) to 1e-9 relative for every parameter and the input:
 * an independent check of the reverse pass beside the finite differences of {@code LayerGradientCheckTest}.
 */
class ConnectomeGraphEquivalenceTest {
    static Stream<Case> cases() {
        return Stream.of(
                new Case("one type, sigmoid, constant input").phi(Nonlinearity.SIGMOID).batch(3),
                new Case("dale, constant input, outputs selected, sigmoid/tanh").batch(3).selectOutputs(),
                new Case("dale, sequence input, minibatch 1, softplus/sigmoid").bins(3).batch(1)
                        .phi(Nonlinearity.SOFTPLUS, Nonlinearity.SIGMOID),
                new Case("all excitatory, sequence, per-neuron tau, outputs selected, sigmoid/silu").allExcitatory()
                        .bins(4).perNeuronTau().selectOutputs().phi(Nonlinearity.SIGMOID, Nonlinearity.SILU),
                new Case("signed edges, type-pair gains, sequence, tanh/softplus/elu").signedEdges().gains().bins(3)
                        .phi(Nonlinearity.TANH, Nonlinearity.SOFTPLUS, Nonlinearity.ELU),
                new Case("signed edges, constant input, per-neuron tau, identity/relu").signedEdges().perNeuronTau()
                        .phi(Nonlinearity.IDENTITY, Nonlinearity.RELU),
                new Case("every nonlinearity, type-pair gains, NWC sequence").gains().nwc().bins(5).batch(3)
                        .phi(Nonlinearity.values()),
                new Case("tsit5, 3 steps per interval, 5 bins between 4 points").method(RungeKuttaMethod.TSIT5, 3)
                        .bins(5).selectOutputs(),
                new Case("frozen W and b, h0 = 1, final state only, 2 steps per interval").frozen().ones()
                        .finalStateOnly().method(RungeKuttaMethod.DOPRI5, 2).bins(2).gains().selectOutputs());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void graphComputesTheLayersOutputAndGradients(Case c) {
        long seed = c.name.hashCode();
        MultiLayerNetwork net = GraphFixtures.network(GraphFixtures.layer(c, seed));
        Layer layer = net.getLayer(0);
        ConnectomeOdeLayer conf = GraphFixtures.configuration(layer);
        INDArray x = GraphFixtures.input(c, seed);

        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("x", DataType.DOUBLE, GraphFixtures.placeholderShape(c));
        ConnectomeGraph graph = ConnectomeGraph.builder(conf).build(sd, in);
        assertEquals(layer.paramTable().keySet(), graph.parameters().keySet(), "the layer's trainable parameters");
        for (String key : List.of(ConnectomeOdeParamInitializer.SYNAPSE_KEY, ConnectomeOdeParamInitializer.BIAS_KEY)) {
            assertEquals(c.frozen ? VariableType.CONSTANT : VariableType.VARIABLE,
                    graph.parameter(key).getVariableType(), key);
        }

        INDArray expected = net.output(x);
        String out = graph.output().name();
        Map<String, INDArray> outputs = sd.output(Map.of("x", x), out, graph.finalState().name());
        INDArray actual = outputs.get(out);
        assertArrayEquals(expected.shape(), actual.shape());
        double error = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(error <= 1e-12, "output differs by " + error);
        if (c.sequenceOutput) {
            long last = expected.size(c.format == org.deeplearning4j.nn.conf.RNNFormat.NCW ? 2 : 1) - 1;
            INDArray lastPoint = c.format == org.deeplearning4j.nn.conf.RNNFormat.NCW
                    ? expected.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(last))
                    : expected.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(last), org.nd4j.linalg.indexing.NDArrayIndex.all());
            assertTrue(lastPoint.sub(outputs.get(graph.finalState().name())).amaxNumber().doubleValue() <= 1e-12,
                    "finalState is the last evaluation point");
        }

        Nd4j.getRandom().setSeed(seed + 1);
        INDArray weights = Nd4j.rand(DataType.DOUBLE, expected.shape()).subi(0.5);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(x, mgr);
        layer.activate(true, mgr);
        Pair<Gradient, INDArray> reverse = layer.backpropGradient(weights, mgr);

        sd.setLossVariables(graph.output().mul(sd.constant("weights", weights)).sum("loss"));
        // Without being named here, M2.1 drops the gradient of a placeholder that more than one op reads.
        sd.createGradFunction("x");
        List<String> wanted = new ArrayList<>();
        wanted.add("x");
        graph.parameters().values().forEach(v -> wanted.add(v.name()));
        Map<String, INDArray> autodiff = sd.calculateGradients(Map.of("x", x), wanted);

        CsrMatrix synapses = conf.getConnectome().synapses();
        CsrMatrix projection = conf.getInputProjection().matrix();
        for (Map.Entry<String, SDVariable> e : graph.parameters().entrySet()) {
            String key = e.getKey();
            INDArray dense = autodiff.get(e.getValue().name());
            double[] sd2;
            if (ConnectomeOdeParamInitializer.SYNAPSE_KEY.equals(key)) {
                sd2 = atStructure(dense, synapses);
                assertEquals(0.0, GraphFixtures.offStructure(dense, synapses), "no gradient off the connectome");
            } else if (ConnectomeOdeParamInitializer.INPUT_WEIGHT_KEY.equals(key)) {
                sd2 = atStructure(dense, projection);
                assertEquals(0.0, GraphFixtures.offStructure(dense, projection), "no gradient off the projection");
            } else {
                sd2 = dense.dup().data().asDouble();
            }
            double[] hand = reverse.getFirst().getGradientFor(key).dup().data().asDouble();
            double rel = relativeError(hand, sd2);
            assertTrue(rel <= 1e-9, key + ": relative error " + rel);
        }
        double rel = relativeError(reverse.getSecond().dup().data().asDouble(),
                autodiff.get("x").dup().data().asDouble());
        assertTrue(rel <= 1e-9, "input gradient: relative error " + rel);
    }
}
