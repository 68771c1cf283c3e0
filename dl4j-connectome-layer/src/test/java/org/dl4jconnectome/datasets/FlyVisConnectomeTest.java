package org.dl4jconnectome.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FlyVisConnectomeTest {

    /** Neuron and synapse counts per extent from the table in the bundled flyvis README. */
    @ParameterizedTest
    @CsvSource({"0, 65, 480", "1, 443, 8174", "2, 1203, 28904", "3, 2345, 63209", "5, 5759, 171471"})
    void countsMatchReadmeTable(int extent, int neurons, int synapses) {
        FlyVisNetwork net = FlyVisConnectome.build(extent);
        assertEquals(neurons, net.numNeurons());
        assertEquals(neurons, net.connectome().numNeurons());
        assertEquals(synapses, net.connectome().numSynapses());
        assertEquals(3 * extent * extent + 3 * extent + 1, net.numColumns());
    }

    @Test
    void fullModelAtExtent15() {
        FlyVisNetwork net = FlyVisConnectome.build(15);
        Connectome c = net.connectome();
        assertEquals(721, net.numColumns());
        assertEquals(45_669, c.numNeurons());
        assertEquals(1_513_231, c.numSynapses());
        long excitatory = Arrays.stream(c.synapseSigns()).filter(s -> s > 0).count();
        assertEquals(983_980, excitatory);
        assertEquals(721, net.neuronsOfType("T4a").length);
        assertEquals(123, net.neuronsOfType("Lawf1").length);
        assertEquals(123, net.neuronsOfType("Lawf2").length);
    }

    @Test
    void typesNonlinearityAndTau() {
        Connectome c = FlyVisConnectome.build(1).connectome();
        assertEquals(65, c.numTypes());
        assertTrue(c.hasEdgeSigns());
        assertEquals("R1", c.typeName(0));
        assertEquals("CT1(M10)", c.typeName(19));
        assertEquals("TmY18", c.typeName(64));
        for (int t = 0; t < 65; t++) {
            assertEquals(Nonlinearity.RELU, c.typeNonlinearity(t));
            assertEquals(FlyVisConnectome.DEFAULT_TAU, c.typeTau(t));
        }
    }

    /** Neurons by type in JSON order, then u, then v: at R = 2 each stride-1 type has 19 neurons, Lawf1 three. */
    @Test
    void neuronOrder() {
        FlyVisNetwork net = FlyVisConnectome.build(2);
        assertEquals(9, net.neuronAt("R1", 0, 0));
        assertEquals(161, net.neuronAt("L1", 0, 0));
        assertArrayEquals(new int[] {247, 248, 249}, net.neuronsOfType("Lawf1"));
        assertEquals(251, net.neuronAt("Lawf2", 0, 0));
        assertEquals(-1, net.neuronAt("Lawf2", 0, -1));
        assertEquals(-1, net.neuronAt("Mi1", 3, 0));
        int[] u = net.neuronU();
        int[] v = net.neuronV();
        int[] type = net.neuronTypeIds();
        for (int i = 1; i < u.length; i++) {
            boolean ordered = type[i - 1] < type[i]
                    || type[i - 1] == type[i] && (u[i - 1] < u[i] || u[i - 1] == u[i] && v[i - 1] < v[i]);
            assertTrue(ordered, "neuron " + i + " is out of order");
        }
        assertEquals(-2, net.columnU()[0]);
        assertEquals(0, net.columnV()[0]);
    }

    /** Rows of fib25-fib19_v2.2_offsets_filled.csv expanded by hand at R = 2. */
    @ParameterizedTest
    @CsvSource({
            // source, u, v, target, u, v, signed n_syn, edge type
            "Mi1, 1, 0, T4a, 0, 0, 13.736448168879368, 197", // 197,Mi1,T4a,-1,0,13.73...,filled 0,sign 1
            "Mi1, 2, 0, T4a, 0, 0, 1.0, 197", // 197,Mi1,T4a,-2,0,1,filled 1 (convex-hull fill)
            "R1, 0, 0, L1, 0, 0, -40.0, 0", // 0,R1,L1,0,0,40,sign -1
            "L1, 0, -1, Lawf2, 0, 0, -5.0, 45", // 45,L1,Lawf2,0,1,5,sign -1
            "Lawf2, 0, 0, L3, -1, -1, 1.9090909090909092, 119" // 119,Lawf2,L3,-1,-1,1.909...,sign 1
    })
    void handCheckedSynapses(String source, int su, int sv, String target, int tu, int tv, double signed,
                             int edgeType) {
        FlyVisNetwork net = FlyVisConnectome.build(2);
        int pre = net.neuronAt(source, su, sv);
        int post = net.neuronAt(target, tu, tv);
        CsrMatrix a = net.connectome().signedSynapses();
        assertEquals(signed, a.get(post, pre), 1e-12);

        int[] rowPtr = a.rowPointers();
        int k = Arrays.binarySearch(a.columnIndices(), rowPtr[post], rowPtr[post + 1], pre);
        assertEquals(edgeType, net.synapseEdgeTypes()[k]);
        assertEquals(source, net.edgeTypeSource(edgeType));
        assertEquals(target, net.edgeTypeTarget(edgeType));
        assertEquals((int) Math.signum(signed), net.edgeTypeSign(edgeType));
    }

    @Test
    void everySynapseMatchesItsEdgeType() {
        FlyVisNetwork net = FlyVisConnectome.build(1);
        Connectome c = net.connectome();
        int[] type = net.neuronTypeIds();
        int[] rows = c.synapses().rowIndices();
        int[] cols = c.synapses().columnIndices();
        double[] signs = c.synapseSigns();
        int[] edgeTypes = net.synapseEdgeTypes();
        assertEquals(605, net.numEdgeTypes());
        for (int k = 0; k < edgeTypes.length; k++) {
            int e = edgeTypes[k];
            assertEquals(net.edgeTypeSource(e), c.typeName(type[cols[k]]));
            assertEquals(net.edgeTypeTarget(e), c.typeName(type[rows[k]]));
            assertEquals(net.edgeTypeSign(e), signs[k]);
        }
    }

    @Test
    void inputAndOutputNeurons() {
        FlyVisNetwork net = FlyVisConnectome.build(1);
        assertEquals(List.of("R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"), net.inputTypeNames());
        int[] inputs = net.inputNeurons();
        assertEquals(8 * 7, inputs.length);
        assertEquals(0, inputs[0]);
        assertEquals(55, inputs[55]);
        List<String> outputs = net.outputTypeNames();
        assertEquals(34, outputs.size());
        assertEquals("T1", outputs.get(0));
        assertEquals("TmY18", outputs.get(33));
        int[] outputNeurons = net.outputNeurons();
        assertEquals(34 * 7, outputNeurons.length);
        assertEquals(net.neuronsOfType("T1")[0], outputNeurons[0]);
        assertEquals(net.numNeurons() - 1, outputNeurons[outputNeurons.length - 1]);
    }

    @Test
    void rejectsBadArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FlyVisConnectome.build(-1));
        assertTrue(e.getMessage().contains("extent = -1"));
        assertThrows(IllegalArgumentException.class, () -> FlyVisConnectome.build(FlyVisConnectome.MAX_EXTENT + 1));
        FlyVisNetwork net = FlyVisConnectome.build(0);
        assertThrows(IllegalArgumentException.class, () -> net.neuronsOfType("L6"));
        assertThrows(IllegalArgumentException.class, () -> net.edgeTypeSign(605));
    }
}
