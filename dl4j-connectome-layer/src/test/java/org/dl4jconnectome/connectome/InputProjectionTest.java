package org.dl4jconnectome.connectome;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InputProjectionTest {

    @Test
    void identityPutsAOneAtEachTargetNeuron() {
        int[] target = {3, 0, 3, 1};
        InputProjection u = InputProjection.identity(target, 5);
        assertEquals(5, u.numNeurons());
        assertEquals(4, u.numInputs());
        assertEquals(4, u.matrix().nnz());
        for (int i = 0; i < 5; i++) {
            for (int k = 0; k < 4; k++) {
                assertEquals(target[k] == i ? 1.0 : 0.0, u.matrix().get(i, k), 0, "U[" + i + "][" + k + "]");
            }
        }
    }

    @Test
    void identityRejectsBadTargets() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InputProjection.identity(new int[] {0, 5}, 5));
        assertTrue(e.getMessage().contains("neuronOfInput[1] = 5 is out of range"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InputProjection.identity(new int[] {-1}, 5));
        assertThrows(IllegalArgumentException.class, () -> InputProjection.identity(new int[0], 5));
        assertThrows(IllegalArgumentException.class, () -> InputProjection.identity(new int[] {0}, 0));
        assertThrows(NullPointerException.class, () -> InputProjection.identity(null, 3));
    }

    @Test
    void ofWrapsAGivenMatrix() {
        CsrMatrix m = CsrMatrix.fromDense(new double[][] {{0, 0.5}, {2, 0}, {0, 0}});
        InputProjection u = InputProjection.of(m);
        assertSame(m, u.matrix());
        assertEquals(3, u.numNeurons());
        assertEquals(2, u.numInputs());
        assertEquals(u, InputProjection.of(CsrMatrix.fromDense(new double[][] {{0, 0.5}, {2, 0}, {0, 0}})));
        assertThrows(IllegalArgumentException.class,
                () -> InputProjection.of(CsrMatrix.fromCoo(3, 0, new int[0], new int[0], new double[0])));
        assertThrows(IllegalArgumentException.class,
                () -> InputProjection.of(CsrMatrix.fromCoo(0, 2, new int[0], new int[0], new double[0])));
        assertThrows(NullPointerException.class, () -> InputProjection.of(null));
    }
}
