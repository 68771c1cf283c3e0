package org.dl4jconnectome.connectome;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NeuronClassTest {

    @ParameterizedTest
    @ValueSource(strings = {"excitatory", "Excitatory", "EXCITATORY", " exc ", "E", "e"})
    void parsesExcitatoryNames(String name) {
        assertEquals(NeuronClass.EXCITATORY, NeuronClass.parse(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"inhibitory", "Inhibitory", "INH", "inh", "I", "i\t"})
    void parsesInhibitoryNames(String name) {
        assertEquals(NeuronClass.INHIBITORY, NeuronClass.parse(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "excit", "modulatory", "+1"})
    void rejectsUnknownNamesNamingThem(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NeuronClass.parse(name));
        assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
    }

    @Test
    void rejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> NeuronClass.parse(null));
    }

    @Test
    void signsAreDaleSigns() {
        assertEquals(1.0, NeuronClass.EXCITATORY.sign());
        assertEquals(-1.0, NeuronClass.INHIBITORY.sign());
    }
}
