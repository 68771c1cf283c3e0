package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.NegativeWeightPolicy;
import org.dl4jconnectome.connectome.NeuronClass;
import org.dl4jconnectome.connectome.NeuronTypes;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.testutil.WorkedExample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bad input of bioplnn's error list gets an IllegalArgumentException naming the argument and the value, at
 * configuration time where possible.
 */
class LayerValidationTest {

    private static void fails(Executable e, String... fragments) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) {
            assertTrue(ex.getMessage().contains(f), "message '" + ex.getMessage() + "' should mention '" + f + "'");
        }
    }

    private static BioplnnConnectomeOdeRnn.Builder tutorialStyle() {
        return BioplnnConnectomeOdeRnn.builder().inputSize(3).hiddenSize(6)
                .connectivityHh(WorkedExample.synapses()).connectivityIh(WorkedExample.inputProjection().matrix())
                .numNeuronTypes(2).neuronTypeClass("excitatory", "inhibitory")
                .neuronTypeIndices(new int[] {0, 2, 4}, new int[] {1, 3, 5}).neuronTypeNonlinearity("Sigmoid")
                .neuronTypeTauInit(1.25, 2.0);
    }

    @Test
    void wrongShapes() {
        fails(() -> tutorialStyle().hiddenSize(7).build(), "connectivity_hh", "6x6", "7x7");
        fails(() -> tutorialStyle().inputSize(4).build(), "connectivity_ih", "6x3");
        fails(() -> Connectome.builder().synapses(CsrMatrix.fromDense(new double[2][3])).build(), "square", "2 x 3");
        fails(() -> new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(InputProjection.identity(new int[] {0, 1}, 5)).build(), "inputProjection", "5 rows",
                "6");
        fails(() -> new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).nIn(4).build(), "nIn = 4", "3 columns");
    }

    @Test
    void indicesOutOfRange() {
        fails(() -> CsrMatrix.fromCoo(3, 3, new int[] {0, 3}, new int[] {1, 1}, new double[] {1, 1}), "rowIdx[1] = 3",
                "0..2");
        fails(() -> CsrMatrix.fromCoo(3, 3, new int[] {0}, new int[] {-1}, new double[] {1}), "colIdx[0] = -1");
        fails(() -> InputProjection.identity(new int[] {0, 6}, 6), "neuronOfInput[1] = 6", "0..5");
        fails(() -> new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).outputNeurons(1, 9).build(), "outputNeurons[1] = 9");
        fails(() -> tutorialStyle().neuronTypeIndices(new int[] {0, 2, 4}, new int[] {1, 3, 6}).build(),
                "indicesPerType[1][2] = 6");
        fails(() -> NeuronTypes.fromTypeIds(new int[] {0, 2}, 2), "typeIds[1] = 2", "0..1");
    }

    @Test
    void typesMustCoverEveryNeuronOnce() {
        fails(() -> tutorialStyle().neuronTypeIndices(new int[] {0, 2}, new int[] {1, 3, 5}).build(),
                "do not cover all 6 neurons", "neuron 4");
        fails(() -> tutorialStyle().neuronTypeIndices(new int[] {0, 2, 4, 1}, new int[] {1, 3, 5}).build(),
                "neuron 1 is listed in type 0 and in type 1");
    }

    @Test
    void tauBelowMinimum() {
        fails(() -> tutorialStyle().neuronTypeTauInit(1.25, 0.5).build(), "tau of type 1", "0.5", "tauMin = 1.0");
        fails(() -> new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).tauMin(1.5).build(), "type 0", "1.25",
                "tauMin = 1.5");
        fails(() -> new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).tauMin(0).build(), "tauMin = 0.0");
        fails(() -> WorkedExample.connectome().toBuilder().typeTau(1.0, -2.0).build(), "typeTau[1] = -2.0");
    }

    @Test
    void unknownClassOrNonlinearity() {
        fails(() -> tutorialStyle().neuronTypeClass("excitatory", "modulatory").build(), "modulatory",
                "excitatory or inhibitory");
        fails(() -> tutorialStyle().neuronTypeNonlinearity("Swoosh").build(), "Swoosh", "sigmoid");
        assertEquals(Nonlinearity.RELU, Nonlinearity.parse("ReLU"));
        assertEquals(NeuronClass.INHIBITORY, NeuronClass.parse("Inhibitory"));
    }

    @Test
    void listsOfTheWrongLength() {
        fails(() -> tutorialStyle().neuronTypeClass("excitatory").build(), "neuron_type_class has 1", "= 2");
        fails(() -> tutorialStyle().neuronTypeTauInit(1.25, 2.0, 3.0).build(), "neuron_type_tau_init has 3");
        fails(() -> tutorialStyle().neuronTypeNonlinearity("Sigmoid", "Tanh", "ReLU").build(),
                "neuron_type_nonlinearity has 3");
        fails(() -> tutorialStyle().numNeuronTypes(3).build(), "neuron_type_class has 2", "= 3");
        fails(() -> WorkedExample.connectome().toBuilder().typeNames("a").build(), "typeNames has 1", "(2)");
        fails(() -> new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).initialBias(0, 0).build(), "initialBias has 2", "6");
        fails(() -> new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).typePairGainInit(1, 1, 1).build(),
                "typePairGainInit has 3", "4");
        fails(() -> CsrMatrix.fromCoo(2, 2, new int[] {0}, new int[] {1, 0}, new double[] {1}), "equal lengths");
    }

    @Test
    void negativeMagnitudesNeedAPolicy() {
        CsrMatrix signed = CsrMatrix.fromCoo(3, 3, new int[] {0, 1}, new int[] {1, 2}, new double[] {0.5, -2.0});
        fails(() -> Connectome.builder().synapses(signed).build(), "negative (-2.0)", "NegativeWeightPolicy");
        fails(() -> tutorialStyle().connectivityHh(WorkedExample.synapses().withValues(
                new double[] {.8, -1.2, .9, 1.5, .7, .6, 1.1, .4})).build(), "negative");
        assertEquals(2.0, Connectome.builder().synapses(signed).negativeWeights(NegativeWeightPolicy.ABS).build()
                .synapses().get(1, 2));
        assertEquals(0.0, Connectome.builder().synapses(signed)
                .negativeWeights(NegativeWeightPolicy.CLAMP_TO_ZERO).build().synapses().get(1, 2));
        Connectome edges = Connectome.builder().synapses(signed).negativeWeights(NegativeWeightPolicy.SIGNED_EDGES)
                .build();
        assertEquals(-2.0, edges.signedSynapses().get(1, 2));
        assertEquals(2.0, edges.synapses().get(1, 2));
    }

    @Test
    void nanAndInfinityAreRejected() {
        fails(() -> CsrMatrix.fromCoo(2, 2, new int[] {0}, new int[] {1}, new double[] {Double.NaN}), "NaN",
                "finite");
        fails(() -> WorkedExample.synapses().withValues(new double[] {.8, 1.2, .9, Double.POSITIVE_INFINITY, .7, .6,
                1.1, .4}), "Infinity");
        fails(() -> WorkedExample.connectome().toBuilder().typeTau(Double.NaN, 2.0).build(), "typeTau[0] = NaN");
        double[] bias = new double[6];
        bias[3] = Double.NaN;
        fails(() -> new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).initialBias(bias).build(), "initialBias[3] = NaN");
        fails(() -> new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).timeSpan(0, Double.POSITIVE_INFINITY).build(),
                "timeSpan");
    }

    @Test
    void solverSettings() {
        fails(() -> new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).evaluationPoints(1).build(), "numEvaluationPoints = 1");
        fails(() -> new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).stepsPerInterval(0).build(), "stepsPerInterval = 0");
        fails(() -> new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).timeSpan(1, 1).build(), "timeSpan [1.0, 1.0]");
        fails(() -> new ConnectomeOdeLayer.Builder().inputProjection(WorkedExample.inputProjection()).build(),
                "connectome is not set");
    }

    @Test
    void wrongInputAtRunTime() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .list().layer(new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                        .inputProjection(WorkedExample.inputProjection()).build())
                .setInputType(InputType.feedForward(3)).build());
        net.init();
        fails(() -> net.output(Nd4j.zeros(DataType.DOUBLE, 2, 4)), "4 input features", "expected 3");
        ConnectomeOdeRuntimeLayer layer = (ConnectomeOdeRuntimeLayer) net.getLayer(0);
        layer.setInitialState(Nd4j.zeros(DataType.DOUBLE, 2, 5));
        fails(() -> net.output(Nd4j.zeros(DataType.DOUBLE, 2, 3)), "initial state", "[2, 6]");
        layer.setInitialState(null);
        fails(() -> new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                        .inputProjection(WorkedExample.inputProjection()).build())
                .setInputType(InputType.feedForward(5)).build()), "5 features", "3 columns");
        assertTrue(Arrays.equals(new long[] {2, 6, 20}, net.output(Nd4j.zeros(DataType.DOUBLE, 2, 3)).shape()));
    }
}
