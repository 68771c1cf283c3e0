package org.dl4jconnectome.zoo;

import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.datasets.FlyVisConnectome;
import org.dl4jconnectome.datasets.FlyVisNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pixel → hexagonal column → photoreceptor mapping of the fly samples. */
class FlyVisRetinaTest {
    private static final int SIDE = Mnist.SIDE;

    private static int hexDistance(int du, int dv) {
        return (Math.abs(du) + Math.abs(dv) + Math.abs(du + dv)) / 2;
    }

    @ParameterizedTest(name = "extent {0}")
    @ValueSource(ints = {8, 15})
    void everyPixelDrivesTheEightPhotoreceptorsOfOneColumn(int extent) {
        FlyVisNetwork net = FlyVisConnectome.build(extent);
        FlyVisRetina retina = FlyVisRetina.of(net, SIDE);
        CsrMatrix byPixel = retina.projection(net.inputTypeNames()).matrix().transpose();
        int[] types = net.neuronTypeIds();
        int[] u = net.neuronU();
        int[] v = net.neuronV();
        int[] ptr = byPixel.rowPointers();
        int[] neuron = byPixel.columnIndices();
        double[] w = byPixel.values();
        Set<Integer> receptors = new HashSet<>();
        for (String t : net.inputTypeNames()) {
            receptors.add(net.typeIndex(t));
        }
        for (int k = 0; k < SIDE * SIDE; k++) {
            assertEquals(8, ptr[k + 1] - ptr[k], "pixel " + k);
            int column = retina.columnOfPixel(k);
            Set<Integer> seen = new HashSet<>();
            for (int s = ptr[k]; s < ptr[k + 1]; s++) {
                int i = neuron[s];
                assertTrue(receptors.contains(types[i]), "pixel " + k + " drives a " + types[i]);
                assertTrue(seen.add(types[i]), "pixel " + k + " drives one cell per photoreceptor type");
                assertEquals(net.columnU()[column], u[i]);
                assertEquals(net.columnV()[column], v[i]);
                assertEquals(1.0 / retina.pixelsInColumn(column), w[s], 1e-15);
            }
        }
    }

    @Test
    void pixelsOfAColumnSumToOneAndEveryColumnSeesSomething() {
        FlyVisNetwork net = FlyVisConnectome.build(8);
        FlyVisRetina retina = FlyVisRetina.of(net, SIDE);
        int total = 0;
        for (int c = 0; c < net.numColumns(); c++) {
            assertTrue(retina.pixelsInColumn(c) >= 1, "column " + c + " sees no pixel");
            total += retina.pixelsInColumn(c);
        }
        assertEquals(SIDE * SIDE, total);
        // Each photoreceptor receives its column's mean grey level: its input weights sum to 1.
        CsrMatrix m = retina.projection(List.of("R1")).matrix();
        for (int i : net.neuronsOfType("R1")) {
            double sum = 0;
            for (int s = m.rowPointers()[i]; s < m.rowPointers()[i + 1]; s++) {
                sum += m.values()[s];
            }
            assertEquals(1.0, sum, 1e-12);
        }
    }

    @Test
    void neighbouringPixelsSeeNeighbouringColumns() {
        FlyVisNetwork net = FlyVisConnectome.build(8);
        FlyVisRetina retina = FlyVisRetina.of(net, SIDE);
        int[] cu = net.columnU();
        int[] cv = net.columnV();
        for (int r = 0; r < SIDE; r++) {
            for (int c = 0; c < SIDE; c++) {
                int here = retina.columnOfPixel(r * SIDE + c);
                if (c + 1 < SIDE) {
                    int right = retina.columnOfPixel(r * SIDE + c + 1);
                    assertTrue(hexDistance(cu[right] - cu[here], cv[right] - cv[here]) <= 1, "row " + r);
                }
                if (r + 1 < SIDE) {
                    int below = retina.columnOfPixel((r + 1) * SIDE + c);
                    assertTrue(hexDistance(cu[below] - cu[here], cv[below] - cv[here]) <= 1, "col " + c);
                }
            }
        }
    }

    @Test
    void theImageKeepsItsOrientationAndSpansTheLattice() {
        FlyVisNetwork net = FlyVisConnectome.build(15);
        FlyVisRetina retina = FlyVisRetina.of(net, SIDE);
        int[] cu = net.columnU();
        int[] cv = net.columnV();
        int centre = retina.columnOfPixel(14 * SIDE + 14);
        assertTrue(hexDistance(cu[centre], cv[centre]) <= 1, "the image centre sees the central column");
        // Column (u, v) lies at x = u + v/2, y = v·√3/2: left/right pixels → x of opposite sign, top → y > 0.
        int left = retina.columnOfPixel(14 * SIDE);
        int right = retina.columnOfPixel(14 * SIDE + SIDE - 1);
        int top = retina.columnOfPixel(14);
        assertTrue(cu[left] + cv[left] / 2.0 < -11 && cu[right] + cv[right] / 2.0 > 11);
        assertTrue(cv[top] > 10);
        // The middle row spans the lattice: its 28 pixels see about as many distinct columns (31 across).
        Set<Integer> row = new HashSet<>();
        for (int c = 0; c < SIDE; c++) {
            row.add(retina.columnOfPixel(14 * SIDE + c));
        }
        assertTrue(row.size() >= 25, "columns along the middle row: " + row.size());
    }

    @Test
    void typesWithoutACellInEveryColumnAreRejected() {
        FlyVisNetwork net = FlyVisConnectome.build(3);
        FlyVisRetina retina = FlyVisRetina.of(net, SIDE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> retina.projection(List.of("Lawf1")));
        assertTrue(e.getMessage().contains("Lawf1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FlyVisRetina.of(net, 0));
    }
}
