package org.dl4jconnectome.spark;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.zoo.Mnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spark-train sample, in-process in local[2] on a few digits and the C. elegans connectome. */
class SparkTrainCommandTest {
    private static final Pattern LOSS = Pattern.compile("loss before: (\\d+\\.\\d{4})\\n(?:epoch \\d/2: \\d+\\.\\d\\d "
            + "s\\n){2}loss after: (\\d+\\.\\d{4})\\naveraging rounds: (\\d+), bytes broadcast per round: mean "
            + "([\\d,]+) \\(first [\\d,]+, last [\\d,]+\\)\\n");

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = SparkTrainCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void trainsPrintsTheFiguresAndSavesALoadableModel(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("model.zip");
        Path export = Files.createDirectories(dir.resolve("export"));
        Run r = run("--master", "local[2]", "--connectome", "celegans", "--epochs", "2", "--batch", "16",
                "--averaging-frequency", "2", "--limit-train", "128", "--limit-test", "64", "--lr", "0.01",
                "--hidden", "16", "--export-dir", export.toString(), "--out", model.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("spark: 3.5"), r.out());
        assertTrue(r.out().contains("master local[2], 2 workers, kryo serialization, rdd approach export"), r.out());
        Matcher m = LOSS.matcher(r.out());
        assertTrue(m.find(), r.out());
        // 8 mini-batches per epoch, 2 workers x 2 per round: 2 rounds per epoch.
        assertEquals(4, Integer.parseInt(m.group(3)));
        assertTrue(Long.parseLong(m.group(4).replace(",", "")) > 0);
        assertTrue(Pattern.compile("test accuracy: (0\\.\\d{4}|1\\.0000)\\n$").matcher(r.out()).find(), r.out());
        assertEquals(Set.of(), LocalSpark.contents(export));

        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(model.toFile());
        ConnectomeOdeLayer ode = assertInstanceOf(ConnectomeOdeLayer.class,
                net.getLayerWiseConfigurations().getConf(0).getLayer());
        assertEquals(299, ode.numNeurons());
        assertEquals(1.0, net.output(Mnist.bundled().features(8_000, 8_001)).sumNumber().doubleValue(), 1e-4);
    }

    @Test
    void badOptionsAreOneLineUsageErrors(@TempDir Path dir) {
        Run workers = run("--workers", "0");
        assertEquals(2, workers.exitCode());
        assertEquals("error: --workers = 0: expected at least 1 (see 'spark-train --help')\n", workers.err());

        Run connectome = run("--connectome", "synthetic");
        assertEquals(2, connectome.exitCode());
        assertTrue(connectome.err().contains("--connectome = synthetic: expected flyvis or celegans"),
                connectome.err());

        Run approach = run("--rdd-approach", "shared");
        assertEquals(2, approach.exitCode());
        assertTrue(approach.err().contains("--rdd-approach = shared: expected export or direct"), approach.err());

        Run out = run("--out", dir.resolve("missing").resolve("model.zip").toString());
        assertEquals(2, out.exitCode());
        assertTrue(out.err().contains("expected a file in an existing directory"), out.err());

        Run tau = run("--tau-min", "0.1", "--num-steps", "2", "--connectome", "celegans");
        assertEquals(2, tau.exitCode());
        assertTrue(tau.err().contains("--tau-min 0.1, --num-steps 2, --end-time 3.0"), tau.err());
    }
}
