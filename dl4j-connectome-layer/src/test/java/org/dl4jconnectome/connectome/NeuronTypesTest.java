package org.dl4jconnectome.connectome;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NeuronTypesTest {

    @Test
    void fromTypeIdsExposesTypesCountsAndIndices() {
        int[] ids = {2, 0, 2, 1, 0, 2};
        NeuronTypes t = NeuronTypes.fromTypeIds(ids, 4);
        ids[0] = 3; // the types must hold their own copy
        assertEquals(6, t.numNeurons());
        assertEquals(4, t.numTypes());
        assertArrayEquals(new int[] {2, 0, 2, 1, 0, 2}, t.typeIds());
        assertEquals(2, t.typeOf(0));
        assertEquals(2, t.count(0));
        assertEquals(1, t.count(1));
        assertEquals(3, t.count(2));
        assertEquals(0, t.count(3), "a declared type may be empty");
        assertArrayEquals(new int[] {1, 4}, t.indicesOf(0));
        assertArrayEquals(new int[] {0, 2, 5}, t.indicesOf(2));
        assertArrayEquals(new int[0], t.indicesOf(3));
        t.typeIds()[1] = 3;
        assertEquals(0, t.typeOf(1), "typeIds() returns a copy");
    }

    @Test
    void fromTypeIdsInfersTheNumberOfTypes() {
        assertEquals(3, NeuronTypes.fromTypeIds(new int[] {0, 2, 2}).numTypes());
        assertEquals(1, NeuronTypes.fromTypeIds(new int[] {0, 0}).numTypes());
    }

    @Test
    void fromTypeIdsRejectsBadInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NeuronTypes.fromTypeIds(new int[] {0, 1, 2}, 2));
        assertTrue(e.getMessage().contains("typeIds[2] = 2 is out of range: expected 0..1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NeuronTypes.fromTypeIds(new int[] {0, -1}, 2));
        assertTrue(e.getMessage().contains("typeIds[1] = -1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NeuronTypes.fromTypeIds(new int[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> NeuronTypes.fromTypeIds(new int[0], 1));
        assertThrows(IllegalArgumentException.class, () -> NeuronTypes.fromTypeIds(new int[] {0}, 0));
        assertThrows(NullPointerException.class, () -> NeuronTypes.fromTypeIds(null, 1));
    }

    @Test
    void thereCannotBeMoreTypesThanNeurons() {
        // A types file of 50 neurons with one stray id of 10^9 used to size every per-type array by 10^9.
        int[] ids = new int[50];
        ids[7] = 1_000_000_000;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NeuronTypes.fromTypeIds(ids));
        assertEquals("typeIds[7] = 1000000000 is out of range: 50 neurons have at most 50 types, so expected 0..49",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NeuronTypes.fromTypeIds(ids, 1_000_000_001));
        assertEquals("numTypes = 1000000001: expected 1..50 (at most one type per neuron, 50 neurons)",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NeuronTypes.fromIndexLists(2, List.of(new int[] {0}, new int[] {1}, new int[0])));
        assertTrue(e.getMessage().contains("3 lists: expected one index list per neuron type, 1..2"), e.getMessage());
        // As many types as neurons is the most there can be.
        assertEquals(3, NeuronTypes.fromTypeIds(new int[] {2, 1, 0}).numTypes());
        assertEquals(3, NeuronTypes.fromTypeIds(new int[] {0, 0, 0}, 3).numTypes());
    }

    @Test
    void idsNearTheIntegerLimitDoNotOverflow() {
        // max id + 1 used to wrap around to a negative number of types.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NeuronTypes.fromTypeIds(new int[] {0, Integer.MAX_VALUE}));
        assertEquals("typeIds[1] = 2147483647 is out of range: 2 neurons have at most 2 types, so expected 0..1",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NeuronTypes.fromTypeIds(new int[] {0, Integer.MAX_VALUE}, Integer.MAX_VALUE));
        assertTrue(e.getMessage().startsWith("numTypes = 2147483647: expected 1..2"), e.getMessage());
    }

    @Test
    void aDeserializedStreamIsCheckedLikeTheBuilder() throws Exception {
        // The same ids with 2 and with 3 types serialize alike but for the numTypes field: edit it to 10^9.
        byte[] two = serialize(NeuronTypes.fromTypeIds(new int[] {0, 1, 0}, 2));
        byte[] three = serialize(NeuronTypes.fromTypeIds(new int[] {0, 1, 0}, 3));
        assertEquals(two.length, three.length);
        int at = 0;
        while (two[at] == three[at]) {
            at++;
        }
        assertEquals(NeuronTypes.fromTypeIds(new int[] {0, 1, 0}, 2), deserialize(two));
        java.nio.ByteBuffer.wrap(two, at - 3, 4).putInt(1_000_000_000);
        java.io.InvalidObjectException e = assertThrows(java.io.InvalidObjectException.class, () -> deserialize(two));
        assertEquals("corrupt serialized NeuronTypes: numTypes = 1000000000: expected 1..3 (at most one type per "
                + "neuron, 3 neurons)", e.getMessage());
    }

    static byte[] serialize(Object o) throws java.io.IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(b)) {
            out.writeObject(o);
        }
        return b.toByteArray();
    }

    static Object deserialize(byte[] bytes) throws Exception {
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes))) {
            return in.readObject();
        }
    }

    @Test
    void singleTypeCoversEveryNeuron() {
        NeuronTypes t = NeuronTypes.single(4);
        assertEquals(1, t.numTypes());
        assertArrayEquals(new int[4], t.typeIds());
        assertThrows(IllegalArgumentException.class, () -> NeuronTypes.single(0));
    }

    @Test
    void fromIndexListsEqualsTheTypeIdForm() {
        NeuronTypes lists = NeuronTypes.fromIndexLists(6, List.of(new int[] {4, 1}, new int[] {3}, new int[] {5, 0, 2}));
        NeuronTypes ids = NeuronTypes.fromTypeIds(new int[] {2, 0, 2, 1, 0, 2}, 3);
        assertEquals(ids, lists);
        assertEquals(ids.hashCode(), lists.hashCode());
        // An empty list is a declared but empty type.
        NeuronTypes withEmpty = NeuronTypes.fromIndexLists(2, List.of(new int[] {0, 1}, new int[0]));
        assertEquals(2, withEmpty.numTypes());
        assertEquals(0, withEmpty.count(1));
    }

    @Test
    void fromIndexListsRejectsIncompleteCoverage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NeuronTypes.fromIndexLists(6, List.of(new int[] {0, 1}, new int[] {2, 5})));
        assertTrue(e.getMessage().contains("2 neurons have no type (first: neuron 3)"), e.getMessage());
    }

    @Test
    void fromIndexListsRejectsDuplicates() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NeuronTypes.fromIndexLists(3, List.of(new int[] {0, 2}, new int[] {1, 2})));
        assertTrue(e.getMessage().contains("neuron 2 is listed in type 0 and in type 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NeuronTypes.fromIndexLists(2, List.of(new int[] {0, 1, 1})));
        assertTrue(e.getMessage().contains("neuron 1 is listed in type 0 and in type 0"), e.getMessage());
    }

    @Test
    void fromIndexListsRejectsOutOfRangeAndEmptyInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NeuronTypes.fromIndexLists(3, List.of(new int[] {0, 1}, new int[] {2, 3})));
        assertTrue(e.getMessage().contains("indicesPerType[1][1] = 3 is out of range: expected 0..2"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> NeuronTypes.fromIndexLists(3, List.of(new int[] {0, 1, -2})));
        assertThrows(IllegalArgumentException.class, () -> NeuronTypes.fromIndexLists(3, List.of()));
        assertThrows(IllegalArgumentException.class, () -> NeuronTypes.fromIndexLists(0, List.of(new int[0])));
    }
}
