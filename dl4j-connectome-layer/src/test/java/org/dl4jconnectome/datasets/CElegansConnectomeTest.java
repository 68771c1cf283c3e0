package org.dl4jconnectome.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CElegansConnectomeTest {
    private final CElegansConnectome worm = CElegansConnectome.load();

    /** Counts from the bundled README: 299 neurons, 2,279 chemical pairs, 6,465 synapses, 200 GABA rows. */
    @Test
    void countsMatchTheVarshneySheet() {
        Connectome c = worm.connectome();
        assertEquals(299, worm.numNeurons());
        assertEquals(299, c.numNeurons());
        assertEquals(2279, c.numSynapses());
        assertEquals(6465.0, Arrays.stream(c.synapses().values()).sum());
        double[] signs = c.synapseSigns();
        assertEquals(200, Arrays.stream(signs).filter(s -> s < 0).count());
        double inhibitory = 0;
        double[] w = c.synapses().values();
        for (int k = 0; k < w.length; k++) {
            inhibitory += signs[k] < 0 ? w[k] : 0;
        }
        assertEquals(529.0, inhibitory);
        assertTrue(c.hasEdgeSigns());
        assertSame(worm, CElegansConnectome.load());
    }

    /** Rows of varshney_connectome_nt.csv (Origin, Target, Type "Send", Number of Connections, Neurotransmitter). */
    @ParameterizedTest
    @CsvSource({
            "ADAL, AIBR, 2", // Glutamate: excitatory under this data set's rule
            "VB3, DD2, 37", // Acetylcholine, the largest chemical count in the sheet
            "AVAL, AS9, 8", // FMRFamide
            "AVAL, AVAR, 2", // FMRFamide; the pair also has 5 gap junctions, which are not included
            "DD1, DA2, -2", // GABA
            "VD3, VB2, -2", // GABA
            "RIS, AVEL, -7", // GABA
            "RMED, RIBL, -1", // GABA
            "ADAL, ADAR, 0" // gap junction only
    })
    void knownSynapses(String pre, String post, double signed) {
        CsrMatrix a = worm.connectome().signedSynapses();
        assertEquals(signed, a.get(worm.indexOf(post), worm.indexOf(pre)));
    }

    @Test
    void signRule() {
        assertEquals(-1, CElegansConnectome.transmitterSign("GABA"));
        assertEquals(1, CElegansConnectome.transmitterSign("Glutamate"));
        assertEquals(1, CElegansConnectome.transmitterSign("Acetylcholine"));
        assertEquals(1, CElegansConnectome.transmitterSign("Serotonin_Acetylcholine"));
        assertEquals(Optional.of("GABA"), worm.transmitter(worm.indexOf("VD5")));
        assertEquals(Optional.empty(), worm.transmitter(worm.indexOf("RMEL")));

        // Every synapse sent by the GABAergic DD and VD motor neurons is inhibitory, every one of AVAL excitatory.
        Connectome c = worm.connectome();
        int[] cols = c.synapses().columnIndices();
        double[] signs = c.synapseSigns();
        int dd = worm.typeNames().indexOf("DD");
        int vd = worm.typeNames().indexOf("VD");
        int aval = worm.indexOf("AVAL");
        int checked = 0;
        for (int k = 0; k < cols.length; k++) {
            int t = c.types().typeOf(cols[k]);
            if (t == dd || t == vd) {
                assertEquals(-1.0, signs[k]);
                checked++;
            } else if (cols[k] == aval) {
                assertEquals(1.0, signs[k]);
            }
        }
        assertTrue(checked > 0);
    }

    @Test
    void neuronOrderAndLookup() {
        List<String> names = worm.neuronNames();
        assertEquals("ADAL", names.get(0));
        assertEquals(worm.indexOf("AS1") + 1, worm.indexOf("AS2"));
        assertEquals(worm.indexOf("AS9") + 1, worm.indexOf("AS10"));
        for (int i = 0; i < names.size(); i++) {
            assertEquals(i, worm.indexOf(names.get(i)));
            assertEquals(names.get(i), worm.neuronName(i));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> worm.indexOf("DA09"));
        assertTrue(e.getMessage().contains("DA09"));
        assertThrows(IllegalArgumentException.class, () -> worm.indexOf("CANL"));
    }

    @Test
    void anatomicalClassesAsTypes() {
        Connectome c = worm.connectome();
        assertEquals(117, c.numTypes());
        assertEquals(117, worm.typeNames().size());
        for (int t = 0; t < c.numTypes(); t++) {
            assertEquals(worm.typeNames().get(t), c.typeName(t));
            assertTrue(c.types().count(t) > 0, "type " + c.typeName(t) + " has no neuron");
        }
        assertNeurons("RME", "RMED", "RMEL", "RMER", "RMEV");
        assertNeurons("RMD", "RMDDL", "RMDDR", "RMDL", "RMDR", "RMDVL", "RMDVR");
        assertNeurons("IL1", "IL1DL", "IL1DR", "IL1L", "IL1R", "IL1VL", "IL1VR");
        assertNeurons("CEP", "CEPDL", "CEPDR", "CEPVL", "CEPVR");
        assertNeurons("SAB", "SABD", "SABVL", "SABVR");
        assertNeurons("AVA", "AVAL", "AVAR");
        assertNeurons("AVL", "AVL");
        assertNeurons("RID", "RID");
        assertNeurons("RIV", "RIVL", "RIVR");
        assertNeurons("I3", "I3");
        assertNeurons("M2", "M2L", "M2R");
        assertNeurons("DD", "DD1", "DD2", "DD3", "DD4", "DD5", "DD6");
        assertEquals(13, worm.neuronsOfType("VD").length);
        assertEquals(11, worm.neuronsOfType("AS").length);
        assertThrows(IllegalArgumentException.class, () -> worm.neuronsOfType("CAN"));
    }

    @Test
    void sensoryAndMotorNeurons() {
        int[] sensory = worm.sensoryNeurons();
        assertEquals(86, sensory.length);
        assertTrue(contains(sensory, worm.indexOf("ASEL")));
        assertTrue(contains(sensory, worm.indexOf("ALML")));
        assertFalse(contains(sensory, worm.indexOf("AVAL")));
        int[] motor = worm.motorNeurons();
        assertEquals(126, motor.length);
        assertTrue(contains(motor, worm.indexOf("VD13")));
        assertFalse(contains(motor, worm.indexOf("ASEL")));
        for (int[] set : new int[][] {sensory, motor}) {
            for (int i = 1; i < set.length; i++) {
                assertTrue(set[i - 1] < set[i]);
            }
        }
    }

    @Test
    void defaultDynamics() {
        Connectome c = worm.connectome();
        for (int t = 0; t < c.numTypes(); t++) {
            assertEquals(CElegansConnectome.DEFAULT_TAU, c.typeTau(t));
            assertEquals(CElegansConnectome.DEFAULT_NONLINEARITY, c.typeNonlinearity(t));
        }
    }

    private void assertNeurons(String type, String... neurons) {
        int[] expected = Arrays.stream(neurons).mapToInt(worm::indexOf).sorted().toArray();
        assertArrayEquals(expected, worm.neuronsOfType(type), type);
    }

    private static boolean contains(int[] a, int x) {
        return Arrays.stream(a).anyMatch(v -> v == x);
    }
}
