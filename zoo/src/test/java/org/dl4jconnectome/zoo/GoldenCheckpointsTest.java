package org.dl4jconnectome.zoo;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Zoo checkpoints are golden files: written once by the version their provenance names, they must keep loading with
 * the outputs that version recorded on the fixed test digits (as the library's {@code GoldenModelsTest} does for its
 * golden models). The shipped checkpoints are the first folder; a checkpoint that is replaced moves, with its
 * provenance, to a folder of its version under the test resources' {@code golden/}, listed here.
 */
class GoldenCheckpointsTest {
    /** Folders of checkpoints (each with its own {@value ConnectomeZooModel#INDEX}), relative to this package. */
    private static final String[] FOLDERS = {CheckpointResources.FOLDER};
    /**
     * How far the probabilities may move across versions and kernels. The scalar and Vector API kernels round exp,
     * tanh and sums differently in float32 (about 1e-7), and batch normalisation of readouts whose spread is about
     * 1e-3 of their level amplifies that some thousand times: measured 2.5e-5 (worm) and 9e-6 (fly) between the two.
     */
    private static final double TOLERANCE = 2e-4;

    private static Mnist mnist;

    @BeforeAll
    static void readDigits() throws IOException {
        mnist = Mnist.bundled();
    }

    static List<Arguments> checkpoints() {
        List<Arguments> out = new ArrayList<>();
        for (String folder : FOLDERS) {
            for (String id : ConnectomeZooModel.ids(CheckpointResources.classpath(folder))) {
                out.add(Arguments.of(folder, id));
            }
        }
        return out;
    }

    private static int argMax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int argMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @ParameterizedTest(name = "{0}{1}")
    @MethodSource("checkpoints")
    void loadsWithTheOutputsItsVersionRecorded(String folder, String id) throws IOException {
        ConnectomeZooModel model = new ConnectomeZooModel(id, CheckpointResources.classpath(folder));
        CheckpointProvenance.TestResult recorded = model.provenance().test();
        int[] digits = recorded.probeDigits();
        assertEquals(CheckpointProvenance.PROBE_DIGITS, digits.length);
        for (int i = 0; i < digits.length; i++) {
            assertEquals(Mnist.TRAIN_SIZE + i, digits[i], "the probe digits are the first test digits");
            assertEquals(mnist.label(digits[i]), recorded.probeLabels()[i], "label of digit " + digits[i]);
        }
        MultiLayerNetwork net = model.initPretrained();
        double[][] out = ZooFixtures.outputs(net, mnist, digits[0], digits[digits.length - 1] + 1);
        double worst = 0;
        for (int i = 0; i < digits.length; i++) {
            float[] expected = recorded.probeOutputs()[i];
            assertEquals(expected.length, out[i].length);
            assertEquals(argMax(expected), argMax(out[i]), id + ": the class predicted for digit " + digits[i]);
            for (int c = 0; c < out[i].length; c++) {
                worst = Math.max(worst, Math.abs(expected[c] - out[i][c]));
            }
        }
        assertTrue(worst <= TOLERANCE, id + ": outputs differ from the recorded ones by up to " + worst);
        // Training continues from the checkpoint (with a fresh updater: the zip holds no updater state).
        INDArray before = net.params().dup();
        DataSet batch = mnist.dataSet(0, 16);
        net.fit(batch);
        assertNotEquals(before, net.params(), id + ": a training step changes the parameters");
        assertArrayEquals(before.shape(), net.params().shape());
    }
}
