package org.dl4jconnectome.samples;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.zoo.Mnist;
import org.dl4jconnectome.zoo.MnistClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The search command end to end on the small C. elegans connectome and a few digits, with its UI. */
class SearchCommandTest {
    private static final Pattern PROGRESS = Pattern.compile(
            "candidate (\\d+) \\((\\d)/3\\): validation accuracy (\\d\\.\\d{4}) in \\d+ s  lr ");
    private static final Pattern UI = Pattern.compile("Arbiter UI: http://127\\.0\\.0\\.1:(\\d+)/arbiter");
    private static final int TRAIN = 96;
    private static final int VALIDATION = 64;

    @Test
    void searchesSavesEveryCandidateAndServesTheUiOnLoopback(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("search");
        CommandRunner r = CommandRunner.run("search", "--connectome", "celegans", "--candidates", "3",
                "--epochs", "1", "--limit-train", Integer.toString(TRAIN), "--validation",
                Integer.toString(VALIDATION), "--end-time-range", "2,3.5", "--save-models", "--out-dir",
                out.toString(), "--ui", "--ui-port", "0");
        try {
            assertEquals(0, r.exitCode, r.err + r.log);
            Map<Integer, Double> scores = new HashMap<>();
            Matcher m = PROGRESS.matcher(r.err);
            while (m.find()) {
                scores.put(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(3)));
            }
            assertEquals(3, scores.size(), "a progress line per candidate: " + r.err);

            List<MultiLayerConfiguration> candidates = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                // The saved network's accuracy on the validation digits is the reported score...
                MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(
                        CandidateFiles.modelFile(out.resolve("candidates"), i).toFile());
                double accuracy = net.evaluate(Mnist.bundled().iterator(Mnist.TRAIN_SIZE - VALIDATION,
                        Mnist.TRAIN_SIZE, 32)).accuracy();
                assertEquals(accuracy, scores.get(i), 5e-5, "candidate " + i);
                // ... and its saved options make train-mnist build the very same network.
                Path args = CandidateFiles.optionsFile(out.resolve("candidates"), i);
                assertSameLayers(net.getLayerWiseConfigurations(), trainMnistConfiguration(args));
                candidates.add(net.getLayerWiseConfigurations());
            }
            ConnectomeOdeLayer first = MnistSearch.odeLayer(candidates.get(0));
            ConnectomeOdeLayer second = MnistSearch.odeLayer(candidates.get(1));
            assertNotEquals(first.getConnectome().typeTau(0), second.getConnectome().typeTau(0),
                    "candidates differ");
            for (MultiLayerConfiguration c : candidates) {
                double t1 = MnistSearch.odeLayer(c).getEndTime();
                assertTrue(t1 >= 2 && t1 <= 3.5, "searched end time " + t1);
                double lr = MnistSearch.learningRate(c);
                assertTrue(lr >= 5e-4 && lr <= 1e-2, "searched learning rate " + lr);
            }

            // The table ranks the candidates by score; best.args is the best one's options.
            List<Double> ranked = new ArrayList<>(scores.values());
            ranked.sort(Collections.reverseOrder());
            Matcher row = Pattern.compile("(?m)^\\s+(\\d)\\s+(\\d)\\s+(\\d\\.\\d{4})\\s").matcher(r.out);
            List<Double> table = new ArrayList<>();
            int bestIndex = -1;
            while (row.find()) {
                table.add(Double.parseDouble(row.group(3)));
                if (row.group(1).equals("1")) {
                    bestIndex = Integer.parseInt(row.group(2));
                }
            }
            assertEquals(ranked, table, r.out);
            assertEquals(options(CandidateFiles.optionsFile(out.resolve("candidates"), bestIndex)),
                    options(out.resolve(SearchCommand.BEST)));
            assertTrue(r.out.contains("best configuration: train-mnist --connectome celegans "), r.out);
            List<String> csv = Files.readAllLines(out.resolve(SearchCommand.RESULTS));
            assertEquals(4, csv.size(), "a header and a line per candidate");
            BufferedImage png = ImageIO.read(out.resolve(SearchCommand.SCORES).toFile());
            assertEquals(900, png.getWidth());

            // The UI, still up after the command: Arbiter's pages and DL4J's training pages, on loopback only.
            Matcher ui = UI.matcher(r.err);
            assertTrue(ui.find(), r.err);
            int port = Integer.parseInt(ui.group(1));
            assertEquals(200, get(port, "/arbiter").statusCode());
            JsonNode results = json(get(port, "/arbiter/results"));
            assertEquals(3, results.size());
            for (JsonNode c : results) {
                assertEquals("Complete", c.get(2).asText());
                assertEquals(scores.get(c.get(0).asInt()), c.get(1).asDouble(), 5e-5);
            }
            HttpResponse<String> config = get(port, "/arbiter/config");
            assertEquals(200, config.statusCode());
            assertTrue(config.body().contains("ConnectomeOdeLayerSpace"), config.body());
            assertEquals(200, get(port, "/arbiter/summary").statusCode());
            assertEquals(200, get(port, "/train/overview").statusCode());
            // The training pages follow the candidate in training: the last one, once the search is over.
            JsonNode sessions = json(get(port, "/train/sessions/info"));
            assertEquals(1, sessions.size(), sessions.toString());
            assertEquals("MultiLayerNetwork", sessions.get("candidate-2").get("modelType").asText());
            assertEquals("candidate-2", get(port, "/train/sessions/current").body());
            for (InetAddress a : nonLoopbackAddresses()) {
                assertThrows(ConnectException.class, () -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(a, port), 2000);
                    }
                }, "the UI must not answer on " + a);
            }
        } finally {
            TrainingUi.stop();
        }
    }

    /** The lines of an options file that are not comments. */
    private static List<String> options(Path file) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        lines.removeIf(l -> l.startsWith("#"));
        assertEquals(10, lines.size(), "the options of a celegans network: " + lines);
        return lines;
    }

    /** The network train-mnist builds from an options file (as {@code train-mnist @FILE} would). */
    static MultiLayerConfiguration trainMnistConfiguration(Path args) {
        TrainMnistCommand cmd = new TrainMnistCommand();
        CommandLine cl = new CommandLine(cmd);
        cl.parseArgs("@" + args);
        MnistClassifier classifier = cmd.classifier();
        return classifier.configuration(cmd.odeLayer(classifier, classifier.connectome()));
    }

    /** Same layers (a trained network's configuration also counts its iterations, which is not compared). */
    static void assertSameLayers(MultiLayerConfiguration expected, MultiLayerConfiguration actual) {
        assertEquals(expected.getConfs().size(), actual.getConfs().size());
        for (int i = 0; i < expected.getConfs().size(); i++) {
            assertEquals(expected.getConf(i).getLayer(), actual.getConf(i).getLayer(), "layer " + i + ": "
                    + expected.getConf(i).toJson() + "\n-----\n" + actual.getConf(i).toJson());
            assertEquals(expected.getConf(i).getSeed(), actual.getConf(i).getSeed());
        }
        assertEquals(expected.getInputPreProcessors(), actual.getInputPreProcessors());
        assertEquals(expected.getDataType(), actual.getDataType());
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertEquals(200, response.statusCode(), response.body());
        return new ObjectMapper().readTree(response.body());
    }

    private static List<InetAddress> nonLoopbackAddresses() throws IOException {
        List<InetAddress> out = new ArrayList<>();
        for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(n.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    @Test
    void badOptionsAreUsageErrorsThatSayWhatIsExpected() {
        assertUsage("--method = annealing: expected random or grid", "search", "--method", "annealing");
        assertUsage("--method = grid: expected --tau scale and --gains shared", "search", "--method", "grid",
                "--tau", "per-type");
        assertUsage("--limit-train = 7500: expected 1..7000 (the training digits before the 1000 validation digits)",
                "search", "--limit-train", "7500");
        assertUsage("--lr-range = 0.01: expected two numbers LO,HI", "search", "--lr-range", "0.01");
        assertUsage("--gain-range = 2.0,1.0: expected finite LO < HI", "search", "--gain-range", "2,1");
        assertUsage("--gain-range = -1.0,1.0: expected LO >= 0", "search", "--gain-range", "-1,1");
        assertUsage("--candidates = 0: expected at least 1", "search", "--candidates", "0");
        // The layer space's own checks come back naming the options.
        assertUsage("--tau per-type --tau-range 0.2,3.0 with --tau-min 0.5, --num-steps 4, --end-time 3.0: "
                        + "ConnectomeOdeLayerSpace: typeTau gives time constants [0.2,",
                "search", "--connectome", "celegans", "--tau", "per-type", "--tau-range", "0.2,3");
        assertUsage("unstable for tauMin down to 0.5", "search", "--connectome", "celegans", "--end-time-range",
                "2,8");
        assertUsage("train on flyvis or celegans", "search", "--connectome", "synthetic");
    }

    private static void assertUsage(String expected, String... args) {
        CommandRunner r = CommandRunner.run(args);
        assertEquals(2, r.exitCode, r.err);
        String[] lines = r.err.split("\n");
        assertTrue(lines[lines.length - 1].startsWith("error: "), r.err);
        assertTrue(r.err.contains(expected), "expected '" + expected + "' in: " + r.err);
    }
}
