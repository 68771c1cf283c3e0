package org.dl4jconnectome.layer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class HostArraysTest {

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void readsAndWritesViewsOfAFlattenedArray(DataType type) {
        HostArrays host = new HostArrays();
        INDArray flat = Nd4j.arange(20).castTo(type).reshape(1, 20);
        INDArray view = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(5, 12)).reshape(1, 7);
        double[] read = host.read("p", view, null);
        assertArrayEquals(new double[] {5, 6, 7, 8, 9, 10, 11}, read, 1e-6);
        assertSame(read, host.read("p", view, read), "a buffer of the right length is reused");

        host.write("p", new double[] {-1, -2, -3, -4, -5, -6, -7}, view);
        assertEquals(4.0, flat.getDouble(0, 4), 0.0);
        assertEquals(-1.0, flat.getDouble(0, 5), 0.0);
        assertEquals(-7.0, flat.getDouble(0, 11), 0.0);
        assertEquals(12.0, flat.getDouble(0, 12), 0.0);
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void readsPermutedArraysInCOrder(DataType type) {
        INDArray a = Nd4j.linspace(type, 0, 24, 24).reshape('c', 2, 3, 4);
        INDArray permuted = a.permute(0, 2, 1);
        double[] read = new HostArrays().read("x", permuted, null);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 4; j++) {
                for (int k = 0; k < 3; k++) {
                    assertEquals(a.getDouble(i, k, j), read[(i * 4 + j) * 3 + k], 0.0);
                }
            }
        }
    }
}
