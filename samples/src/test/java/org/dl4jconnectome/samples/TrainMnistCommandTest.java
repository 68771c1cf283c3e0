package org.dl4jconnectome.samples;

import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.zoo.Mnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** The MNIST training sample, end to end on a few digits and the small C. elegans connectome. */
class TrainMnistCommandTest {
    private static final Pattern ACCURACY = Pattern.compile("test accuracy: (0\\.\\d{4}|1\\.0000)\\n?$");

    @Test
    void trainsPrintsTheAccuracyLastAndSavesALoadableModel(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("model.zip");
        CommandRunner r = CommandRunner.run("train-mnist", "--connectome", "celegans", "--epochs", "1",
                "--limit-train", "64", "--limit-test", "32", "--out", model.toString());
        assertEquals(0, r.exitCode, r.err);
        Matcher m = ACCURACY.matcher(r.out);
        assertTrue(m.find(), "last line: " + r.out);
        double accuracy = Double.parseDouble(m.group(1));
        assertTrue(accuracy >= 0 && accuracy <= 1);
        assertTrue(r.out.contains("epochs: 1\n"), r.out);
        assertTrue(r.out.contains("wall time: "), r.out);
        assertTrue(r.err.contains("epoch 1/1"), "progress goes to stderr: " + r.err);
        assertTrue(r.log.contains("Score at iteration"), "ScoreIterationListener logs: " + r.log);
        assertTrue(r.log.contains("samples/sec"), "PerformanceListener logs: " + r.log);

        Path reference = Files.createFile(dir.resolve("permission-reference"));
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(reference)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(model)), "the umask's permissions");
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(model.toFile());
        ConnectomeOdeLayer ode = assertInstanceOf(ConnectomeOdeLayer.class, net.getLayerWiseConfigurations()
                .getConf(0).getLayer());
        assertEquals(299, ode.numNeurons());
        INDArray p = net.output(Mnist.bundled().features(8_000, 8_003));
        assertArrayEquals(new long[] {3, 10}, p.shape());
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0, p.getRow(i).sumNumber().doubleValue(), 1e-4);
        }
    }

    @Test
    void anOptionsFileSetsTheInitialTimeConstantsAndGainsAndLaterOptionsOverrideIt(@TempDir Path dir)
            throws IOException {
        int types = 117;
        double[] tau = new double[types];
        for (int t = 0; t < types; t++) {
            tau[t] = 0.6 + 0.01 * t;
        }
        StringBuilder list = new StringBuilder();
        for (double t : tau) {
            list.append(list.length() == 0 ? "" : ",").append(t);
        }
        Path args = dir.resolve("saved.args");
        Files.write(args, List.of("# a saved configuration", "--connectome celegans", "--lr 0.5",
                "--type-tau " + list, "--type-pair-gain-init 0.75", "--epochs 3"));
        Path model = dir.resolve("model.zip");
        CommandRunner r = CommandRunner.run("train-mnist", "@" + args, "--lr", "0.001", "--epochs", "1",
                "--limit-train", "32", "--limit-test", "16", "--out", model.toString());
        assertEquals(0, r.exitCode, r.err);
        assertTrue(r.out.contains("epochs: 1\n"), r.out);

        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(model.toFile());
        ConnectomeOdeLayer ode = (ConnectomeOdeLayer) net.getLayerWiseConfigurations().getConf(0).getLayer();
        assertArrayEquals(tau, ode.getConnectome().typeTaus(), 0.0);
        double[] gains = ode.getTypePairGainInit();
        assertEquals(types * types, gains.length);
        for (double g : gains) {
            assertEquals(0.75, g, 0.0);
        }
        Adam adam = (Adam) ((BaseLayer) net.getLayerWiseConfigurations().getConf(2).getLayer()).getIUpdater();
        assertEquals(0.001, adam.getLearningRate(), 0.0, "the command line overrides the file");
    }

    @Test
    void uiServesTheTrainingOnLoopback() throws Exception {
        // 48 digits in batches of 4: 12 iterations, of which the StatsListener reports every 10th.
        CommandRunner r = CommandRunner.run("train-mnist", "--connectome", "celegans", "--epochs", "1",
                "--batch", "4", "--limit-train", "48", "--limit-test", "16", "--out",
                Files.createTempFile("ui", ".zip").toString(), "--ui", "--ui-port", "0");
        try {
            assertEquals(0, r.exitCode, r.err);
            Matcher m = Pattern.compile("training UI: http://127\\.0\\.0\\.1:(\\d+)/train/overview").matcher(r.err);
            assertTrue(m.find(), r.err);
            String base = "http://127.0.0.1:" + m.group(1);
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/train/overview")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            // The UI takes in the listener's reports on its own thread, in batches: wait for them.
            JsonNode scores = null;
            for (int attempt = 0; attempt < 60 && (scores == null || scores.isEmpty()); attempt++) {
                Thread.sleep(500);
                HttpResponse<String> data = http.send(HttpRequest.newBuilder(URI.create(base
                        + "/train/overview/data")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, data.statusCode());
                scores = new ObjectMapper().readTree(data.body()).get("scores");
            }
            assertTrue(scores != null && scores.size() >= 1, "scores: " + scores);
            double score = scores.get(0).asDouble();
            assertTrue(score > 0 && Double.isFinite(score), "a cross-entropy score: " + score);
        } finally {
            TrainingUi.stop();
        }
    }

    @Test
    void anUnusableOutputIsRefusedBeforeTraining(@TempDir Path dir) throws IOException {
        // Each of these used to train for minutes and then fail on saving.
        CommandRunner r = CommandRunner.run("train-mnist", "--connectome", "celegans", "--out", dir.toString());
        assertEquals(2, r.exitCode, r.err);
        assertEquals("error: --out " + dir + ": is a directory, expected a file name\n", r.err);
        assertEquals("", r.out, "nothing was built or trained");

        Path file = Files.createFile(dir.resolve("notes.txt"));
        r = CommandRunner.run("train-mnist", "--connectome", "celegans", "--out", file.resolve("model.zip").toString());
        assertEquals(2, r.exitCode, r.err);
        assertEquals("error: --out " + file.resolve("model.zip") + ": " + file + " is not a directory\n", r.err);

        // A directory where no file can be created. Permission bits do not stop root; Linux's /proc stops everyone.
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Path refusing = canCreateIn(locked) ? Path.of("/proc") : locked;
            assumeFalse(canCreateIn(refusing), "no directory here refuses new files");
            Path out = refusing.resolve("model.zip");
            r = CommandRunner.run("train-mnist", "--connectome", "celegans", "--out", out.toString());
            assertEquals(2, r.exitCode, r.err);
            String reason = refusing.equals(locked) ? "permission denied" : "no such file or directory";
            assertEquals("error: --out " + out + ": cannot create files in " + refusing + " (" + reason + ")\n",
                    r.err);
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static boolean canCreateIn(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, "probe", ".tmp"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void badOptionsAreUsageErrorsThatSayWhatIsExpected() {
        CommandRunner synthetic = CommandRunner.run("train-mnist", "--connectome", "synthetic");
        assertEquals(2, synthetic.exitCode);
        assertTrue(synthetic.err.contains("train on flyvis or celegans"), synthetic.err);

        CommandRunner limit = CommandRunner.run("train-mnist", "--limit-train", "9000");
        assertEquals(2, limit.exitCode);
        assertTrue(limit.err.contains("--limit-train = 9000: expected 1..8000"), limit.err);

        CommandRunner tau = CommandRunner.run("train-mnist", "--tau-min", "0.1", "--num-steps", "2");
        assertEquals(2, tau.exitCode);
        assertTrue(tau.err.contains("unstable for tau down to tauMin = 0.1"), tau.err);
        assertTrue(tau.err.contains("--tau-min 0.1, --num-steps 2, --end-time 3.0"), tau.err);

        CommandRunner tauCount = CommandRunner.run("train-mnist", "--connectome", "celegans", "--type-tau", "1,2");
        assertEquals(2, tauCount.exitCode);
        assertTrue(tauCount.err.contains("--type-tau = 2 values: expected 1 or one per neuron type (117 for celegans)"),
                tauCount.err);

        CommandRunner tauBelow = CommandRunner.run("train-mnist", "--connectome", "celegans", "--type-tau", "0.2");
        assertEquals(2, tauBelow.exitCode);
        assertTrue(tauBelow.err.contains("is 0.2, below tauMin = 0.5"), tauBelow.err);

        CommandRunner gains = CommandRunner.run("train-mnist", "--connectome", "celegans", "--type-pair-gain-init",
                "1,2,3");
        assertEquals(2, gains.exitCode);
        assertTrue(gains.err.contains("--type-pair-gain-init = 3 values: expected 1 or K x K = 13689 (117 types)"),
                gains.err);

        CommandRunner sparseOut = CommandRunner.run("train-mnist", "--connectome", "celegans", "--out",
                "/no/such/dir/model.zip");
        assertEquals(2, sparseOut.exitCode);
        assertEquals("error: --out /no/such/dir/model.zip: the directory /no/such/dir does not exist\n",
                sparseOut.err);

        // Used to fail to initialise with "RuntimeException: Allocation failed: [std::bad_alloc]".
        CommandRunner hidden = CommandRunner.run("train-mnist", "--connectome", "celegans", "--hidden", "2000000000");
        assertEquals(2, hidden.exitCode, hidden.err);
        // Checked once the connectome, whose readout it depends on, is built: after its progress lines.
        List<String> lines = hidden.err.lines().collect(Collectors.toList());
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("error: --hidden = 2000000000: expected at most "), hidden.err);
        assertTrue(last.contains(" for the 126 readout neurons (the dense layer's weights, gradients and Adam "
                + "state, 16 bytes per weight, must fit in the "), hidden.err);
        assertEquals(1, lines.stream().filter(l -> l.startsWith("error")).count(), hidden.err);

        CommandRunner notANumber = CommandRunner.run("train-mnist", "--epochs", "many");
        assertEquals(2, notANumber.exitCode);
        assertTrue(notANumber.err.contains("--epochs"), notANumber.err);
    }
}
