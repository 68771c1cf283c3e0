package org.dl4jconnectome.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.NeuronClass;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.junit.jupiter.api.Test;

class SyntheticConnectomeTest {

    @Test
    void exactSynapseCountAndMagnitudes() {
        Connectome c = SyntheticConnectome.generate(1000, 25_000, 2, 7L);
        assertEquals(1000, c.numNeurons());
        assertEquals(25_000, c.numSynapses());
        double scale = 1.0 / Math.sqrt(25.0);
        for (double w : c.synapses().values()) {
            assertTrue(w > 0 && w <= scale, "magnitude " + w + " outside (0, " + scale + "]");
        }
        assertFalse(c.hasEdgeSigns());
    }

    /** Denser than half of all pairs, and complete: the generator samples the complement there. */
    @Test
    void denseAndCompleteMatrices() {
        assertEquals(80, SyntheticConnectome.generate(10, 80, 1, 3L).numSynapses());
        Connectome full = SyntheticConnectome.generate(12, 144, 3, 3L);
        assertEquals(144, full.numSynapses());
        for (int r = 0; r < 12; r++) {
            assertEquals(12, full.synapses().rowLength(r));
        }
        assertEquals(0, SyntheticConnectome.generate(5, 0, 1, 3L).numSynapses());
    }

    @Test
    void deterministicPerSeed() {
        Connectome a = SyntheticConnectome.generate(500, 10_000, 4, 42L);
        Connectome b = SyntheticConnectome.generate(500, 10_000, 4, 42L);
        Connectome other = SyntheticConnectome.generate(500, 10_000, 4, 43L);
        assertEquals(a, b);
        assertArrayEquals(a.synapses().columnIndices(), b.synapses().columnIndices());
        assertNotEquals(a.synapses(), other.synapses());
    }

    @Test
    void contiguousTypesWithAlternatingClasses() {
        Connectome c = SyntheticConnectome.generate(10, 30, 3, 1L);
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1, 2, 2, 2}, c.types().typeIds());
        assertEquals(NeuronClass.EXCITATORY, c.typeClass(0));
        assertEquals(NeuronClass.INHIBITORY, c.typeClass(1));
        assertEquals(NeuronClass.EXCITATORY, c.typeClass(2));
        assertArrayEquals(new double[] {1.25, 2.0, 1.25}, c.typeTaus());
        assertEquals("I1", c.typeName(1));
        assertEquals(Nonlinearity.SIGMOID, c.typeNonlinearity(2));

        // Dale's law: the sign of a synapse is the class sign of its presynaptic neuron's type.
        int[] cols = c.synapses().columnIndices();
        double[] signs = c.synapseSigns();
        for (int k = 0; k < cols.length; k++) {
            assertEquals(c.typeClass(c.types().typeOf(cols[k])).sign(), signs[k]);
        }
    }

    @Test
    void tutorialScale() {
        Connectome c = SyntheticConnectome.tutorialScale(2024L);
        assertEquals(47_521, c.numNeurons());
        assertEquals(4_623_254, c.numSynapses());
        assertEquals(2, c.numTypes());
        assertEquals(23_761, c.types().count(0));
        assertEquals(23_760, c.types().count(1));
        assertArrayEquals(new double[] {1.25, 2.0}, c.typeTaus());
    }

    @Test
    void rejectsBadArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyntheticConnectome.generate(10, 101, 2, 0L));
        assertTrue(e.getMessage().contains("numSynapses = 101"));
        assertThrows(IllegalArgumentException.class, () -> SyntheticConnectome.generate(0, 0, 1, 0L));
        assertThrows(IllegalArgumentException.class, () -> SyntheticConnectome.generate(10, -1, 1, 0L));
        assertThrows(IllegalArgumentException.class, () -> SyntheticConnectome.generate(10, 10, 0, 0L));
        assertThrows(IllegalArgumentException.class, () -> SyntheticConnectome.generate(10, 10, 11, 0L));
    }
}
