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

/**
 * Zoo checkpoints are golden files: written once by the version their provenance names, they must keep loading with
 * the outputs that version recorded on the fixed test digits (as the library's {@code GoldenModelsTest} does for its
 * golden models). The shipped checkpoints are the first folder; a checkpoint that is replaced moves, with its
 * provenance, to a folder of its version under the test resources' {@code golden/}, listed here.
 */
class GoldenCheckpointsTest {
    /** Folders of checkpoints (each with its own {@value ConnectomeZooModel#INDEX}), relative to this package. */
    private static final String[] FOLDERS = {CheckpointResources.FOLDER};
    /** Float32 networks: outputs (probabilities) agree to this much across versions and kernels. */
    private static final double TOLERANCE = 1e-5;

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
        for (int i = 0; i < digits.length; i++) {
            assertEquals(recorded.probeOutputs()[i].length, out[i].length);
            for (int c = 0; c < out[i].length; c++) {
                assertEquals(recorded.probeOutputs()[i][c], out[i][c], TOLERANCE,
                        id + ": output " + c + " on digit " + digits[i]);
            }
        }
        // Training continues from the checkpoint (with a fresh updater: the zip holds no updater state).
        INDArray before = net.params().dup();
        DataSet batch = mnist.dataSet(0, 16);
        net.fit(batch);
        assertNotEquals(before, net.params(), id + ": a training step changes the parameters");
        assertArrayEquals(before.shape(), net.params().shape());
    }
}
