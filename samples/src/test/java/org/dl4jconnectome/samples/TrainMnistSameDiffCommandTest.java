package org.dl4jconnectome.samples;

import org.dl4jconnectome.zoo.Mnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure-SameDiff MNIST sample, end to end on a few digits. */
class TrainMnistSameDiffCommandTest {
    private static final Pattern ACCURACY = Pattern.compile("test accuracy: (0\\.\\d{4}|1\\.0000)\\n?$");
    private static final Pattern LOSS = Pattern.compile("training loss: (\\d+\\.\\d{4}) before, (\\d+\\.\\d{4}) after");

    @Test
    void trainsLowersTheLossPrintsTheAccuracyLastAndSavesALoadableGraph(@TempDir Path dir) throws IOException {
        Path graph = dir.resolve("graph.sd");
        CommandRunner r = CommandRunner.run("train-mnist-samediff", "--epochs", "1", "--limit-train", "64",
                "--limit-test", "32", "--out", graph.toString());
        assertEquals(0, r.exitCode, r.err);
        Matcher m = ACCURACY.matcher(r.out);
        assertTrue(m.find(), "last line: " + r.out);
        double accuracy = Double.parseDouble(m.group(1));
        assertTrue(accuracy >= 0 && accuracy <= 1);
        Matcher loss = LOSS.matcher(r.out);
        assertTrue(loss.find(), r.out);
        assertTrue(Double.parseDouble(loss.group(2)) < Double.parseDouble(loss.group(1)), "the loss falls: " + r.out);
        assertTrue(r.out.contains("connectome: "), r.out);
        assertTrue(r.err.contains("epoch 1/1"), "progress goes to stderr: " + r.err);

        SameDiff sd = SameDiff.load(graph.toFile(), false);
        INDArray p = sd.output(Map.of("pixels", Mnist.bundled().features(8_000, 8_003)), "probabilities")
                .get("probabilities");
        assertArrayEquals(new long[] {3, 10}, p.shape());
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0, p.getRow(i).sumNumber().doubleValue(), 1e-4);
        }
        assertTrue(sd.hasVariable("connectome/G") && sd.hasVariable("connectome/U"), "the connectome's variables");
    }

    @Test
    void badOptionsAreUsageErrorsThatSayWhatIsExpected() {
        CommandRunner batch = CommandRunner.run("train-mnist-samediff", "--batch", "1");
        assertEquals(2, batch.exitCode);
        assertTrue(batch.err.contains("--batch = 1: expected at least 2 (batch normalisation needs a batch)"),
                batch.err);

        CommandRunner tau = CommandRunner.run("train-mnist-samediff", "--tau-min", "0.1", "--num-steps", "2");
        assertEquals(2, tau.exitCode);
        assertTrue(tau.err.contains("unstable for tau down to tauMin = 0.1"), tau.err);
    }
}
