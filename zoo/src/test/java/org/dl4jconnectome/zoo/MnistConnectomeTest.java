package org.dl4jconnectome.zoo;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.datasets.CElegansConnectome;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Input mappings and weight normalisation of the samples' models. */
class MnistModelTest {
    @Test
    void patchesTileTheImageIntoCompactEqualParts() {
        int[] patch = MnistConnectome.patches(28, 86);
        int[] count = new int[86];
        int[][] box = new int[86][];
        for (int k = 0; k < patch.length; k++) {
            int p = patch[k];
            count[p]++;
            int r = k / 28;
            int c = k % 28;
            box[p] = box[p] == null ? new int[] {r, r, c, c}
                    : new int[] {Math.min(box[p][0], r), Math.max(box[p][1], r), Math.min(box[p][2], c),
                            Math.max(box[p][3], c)};
        }
        for (int p = 0; p < 86; p++) {
            assertTrue(count[p] >= 6, "patch " + p + " has " + count[p] + " pixels");
            // Compact: a patch is a rectangle of at most 4x4 pixels.
            int h = box[p][1] - box[p][0] + 1;
            int w = box[p][3] - box[p][2] + 1;
            assertTrue(h <= 4 && w <= 4 && count[p] == h * w, "patch " + p + ": " + Arrays.toString(box[p]));
        }
    }

    @Test
    void cElegansPixelsDriveSensoryNeuronsAndMotorNeuronsAreRead() {
        MnistConnectome m = MnistConnectome.cElegans();
        CElegansConnectome worm = CElegansConnectome.load();
        CsrMatrix u = m.input().matrix();
        assertEquals(784, u.cols());
        int[] sensory = worm.sensoryNeurons();
        CsrMatrix byPixel = u.transpose();
        for (int k = 0; k < 784; k++) {
            assertEquals(1, byPixel.rowLength(k));
            assertTrue(Arrays.binarySearch(sensory, byPixel.columnIndices()[k]) >= 0);
        }
        for (int i = 0; i < u.rows(); i++) {
            assertEquals(Arrays.binarySearch(sensory, i) >= 0, u.rowLength(i) > 0, worm.neuronName(i));
        }
        assertArrayEquals(worm.motorNeurons(), m.readout());
    }

    @Test
    void normalisedInputsSumToTheGainPerType() {
        Connectome raw = CElegansConnectome.load().connectome();
        Connectome c = MnistConnectome.normalised(raw);
        assertArrayEquals(raw.synapseSigns(), c.synapseSigns());
        double[] sum = new double[c.numTypes()];
        CsrMatrix w = c.synapses();
        for (int i = 0; i < c.numNeurons(); i++) {
            for (int s = w.rowPointers()[i]; s < w.rowPointers()[i + 1]; s++) {
                sum[c.types().typeOf(i)] += w.values()[s];
            }
        }
        for (int t = 0; t < c.numTypes(); t++) {
            double mean = sum[t] / c.types().count(t);
            assertTrue(mean == 0 || Math.abs(mean - MnistConnectome.INPUT_GAIN) < 1e-9, c.typeName(t) + ": " + mean);
        }
    }
}
