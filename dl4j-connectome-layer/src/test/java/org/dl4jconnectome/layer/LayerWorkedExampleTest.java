package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jconnectome.ode.SolverStats;
import org.dl4jconnectome.testutil.WorkedExample;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The specification's worked example through DL4J networks: many fixed steps reach the exact solution. */
class LayerWorkedExampleTest {

    private static ConnectomeOdeLayer layer(boolean allExcitatory) {
        return new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).allExcitatory(allExcitatory)
                .evaluationPoints(5).stepsPerInterval(40).build();
    }

    private static void assertExact(INDArray out, boolean allExcitatory) {
        assertArrayEquals(new long[] {WorkedExample.B, WorkedExample.N, 5}, out.shape());
        double[][] exact = allExcitatory ? WorkedExample.EXACT_ALL_EXCITATORY : WorkedExample.EXACT_DALE;
        for (int b = 0; b < WorkedExample.B; b++) {
            for (int i = 0; i < WorkedExample.N; i++) {
                assertEquals(0.0, out.getDouble(b, i, 0), 0.0, "h(t0) is exactly 0");
                assertEquals(exact[b][i], out.getDouble(b, i, 4), 1e-6, "sample " + b + ", neuron " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void multiLayerNetworkMatchesExactSolution(boolean allExcitatory) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                .layer(layer(allExcitatory)).setInputType(InputType.feedForward(WorkedExample.I)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertExact(net.output(Nd4j.createFromArray(WorkedExample.X)), allExcitatory);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void computationGraphMatchesExactSolution(boolean allExcitatory) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .graphBuilder().addInputs("x").addLayer("ode", layer(allExcitatory), "x").setOutputs("ode")
                .setInputTypes(InputType.feedForward(WorkedExample.I)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        assertExact(net.outputSingle(Nd4j.createFromArray(WorkedExample.X)), allExcitatory);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void bioplnnStyleArgumentsBuildTheSameModel(boolean legacyAllExcitatory) {
        ConnectomeOdeLayer layer = BioplnnConnectomeOdeRnn.builder().inputSize(WorkedExample.I)
                .hiddenSize(WorkedExample.N).connectivityHh(WorkedExample.synapses())
                .connectivityIh(WorkedExample.inputProjection().matrix()).outputNeurons(null).numNeuronTypes(2)
                .neuronTypeClass("excitatory", "inhibitory").neuronTypeIndices(new int[] {0, 2, 4}, new int[] {1, 3, 5})
                .neuronTypeNonlinearity("Sigmoid").neuronTypeTauInit(1.25, 2.0).trainTau(true)
                .legacyAllExcitatory(legacyAllExcitatory).numSteps(5).stepsPerInterval(40).build();
        assertEquals(layer(legacyAllExcitatory), layer);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .list().layer(layer).setInputType(InputType.feedForward(WorkedExample.I)).build());
        net.init();
        assertExact(net.output(Nd4j.createFromArray(WorkedExample.X)), legacyAllExcitatory);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void adaptiveInferenceReproducesTorchode(boolean allExcitatory) {
        ConnectomeOdeLayer layer = new ConnectomeOdeLayer.Builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).allExcitatory(allExcitatory).evaluationPoints(5)
                .adaptiveInference(1e-6, 1e-3).build();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .list().layer(layer).setInputType(InputType.feedForward(WorkedExample.I)).build());
        net.init();
        INDArray out = net.output(Nd4j.createFromArray(WorkedExample.X));
        double[][] torchode = allExcitatory ? WorkedExample.TORCHODE_ALL_EXCITATORY : WorkedExample.TORCHODE_DALE;
        for (int b = 0; b < WorkedExample.B; b++) {
            for (int i = 0; i < WorkedExample.N; i++) {
                assertEquals(torchode[b][i], out.getDouble(b, i, 4), 1e-7, "sample " + b + ", neuron " + i);
            }
        }
        SolverStats stats = ((ConnectomeOdeRuntimeLayer) net.getLayer(0)).getLastSolverStats();
        assertEquals(WorkedExample.TORCHODE_STEPS, stats.maxAcceptedSteps());
        assertEquals(WorkedExample.TORCHODE_EVALUATIONS, stats.evaluationCalls());
        // Training passes keep the unrolled fixed steps (one per interval here), which differ from the adaptive ones.
        INDArray train = net.getLayer(0).activate(Nd4j.createFromArray(WorkedExample.X), true,
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
        assertEquals(null, ((ConnectomeOdeRuntimeLayer) net.getLayer(0)).getLastSolverStats());
        assertTrue(Math.abs(train.getDouble(0, 0, 4) - out.getDouble(0, 0, 4)) > 1e-9);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void singlePrecisionNetworkMatchesExactSolution(boolean allExcitatory) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(layer(allExcitatory)).setInputType(InputType.feedForward(WorkedExample.I)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray out = net.output(Nd4j.createFromArray(WorkedExample.X).castTo(DataType.FLOAT));
        assertEquals(DataType.FLOAT, out.dataType());
        double[][] exact = allExcitatory ? WorkedExample.EXACT_ALL_EXCITATORY : WorkedExample.EXACT_DALE;
        for (int b = 0; b < WorkedExample.B; b++) {
            for (int i = 0; i < WorkedExample.N; i++) {
                assertEquals(exact[b][i], out.getDouble(b, i, 4), 1e-6, "sample " + b + ", neuron " + i);
            }
        }
    }
}
