package org.dl4jconnectome.samples;

import org.dl4jconnectome.zoo.CheckpointProvenance;
import org.dl4jconnectome.zoo.CheckpointSpec;
import org.dl4jconnectome.zoo.ConnectomeZooModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code connectome zoo}: list, info, evaluate and train, in-process. */
class ZooCommandTest {
    private static final Pattern ACCURACY = Pattern.compile("test accuracy: (0\\.\\d{4}|1\\.0000)\\n$");
    private static final String RESOURCES = "/org/dl4jconnectome/zoo/checkpoints/";

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ZooCommandTest.class.getResourceAsStream(RESOURCES + name)) {
            assertTrue(in != null, "missing " + name);
            return in.readAllBytes();
        }
    }

    private static double accuracy(String out) {
        Matcher m = ACCURACY.matcher(out);
        assertTrue(m.find(), "last line: " + out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void listShowsEveryCheckpointWithItsSizeAndAccuracy() throws IOException {
        CommandRunner r = CommandRunner.run("zoo", "list");
        assertEquals(0, r.exitCode, r.err);
        String[] lines = r.out.split("\n");
        assertEquals(3, lines.length, r.out);
        assertTrue(lines[0].matches("id\\s+size\\s+test accuracy\\s+description"), lines[0]);
        int row = 1;
        for (String id : new String[] {"flyvis-mnist", "celegans-mnist"}) {
            long bytes = resource(id + ".zip").length;
            String size = bytes >= 1_000_000 ? String.format(Locale.ROOT, "%.2f MB", bytes / 1e6)
                    : String.format(Locale.ROOT, "%.1f kB", bytes / 1e3);
            CheckpointProvenance p = CheckpointProvenance.read(new java.io.ByteArrayInputStream(
                    resource(id + ".provenance.json")), id);
            String[] cells = lines[row++].split("\\s{2,}");
            assertEquals(id, cells[0].trim(), lines[row - 1]);
            assertEquals(size, cells[1].trim());
            assertEquals(String.format(Locale.ROOT, "%.4f", p.test().accuracy()), cells[2].trim());
            assertEquals(p.description(), cells[3].trim());
        }
    }

    @Test
    void infoPrintsTheProvenanceAndJsonTheFile() throws Exception {
        byte[] zip = resource("celegans-mnist.zip");
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(zip));
        CheckpointProvenance.Training t = ConnectomeZooModel.of("celegans-mnist").provenance().training();
        CommandRunner r = CommandRunner.run("zoo", "info", "celegans-mnist");
        assertEquals(0, r.exitCode, r.err);
        assertTrue(r.out.contains(String.format(Locale.ROOT, "checkpoint:   celegans-mnist.zip, %,d bytes", zip.length)
                + " (" + String.format(Locale.ROOT, "%.1f kB", zip.length / 1e3) + "), sha256 " + sha), r.out);
        for (String label : new String[] {"connectome:   C. elegans", "  source:     github.com/openworm/c302",
            "  version:    c302 commit ", "network:      ", "  layer:      ConnectomeOdeLayer 784 inputs -> 299 neurons",
            "  config:     sha256 ", "solver:       dopri5 fixed", "training:     bundled MNIST digits",
            String.format(Locale.ROOT, "  budget:     %d epochs, batch %d, %,d iterations, seed %d, Adam(",
                    t.epochs(), t.batch(), t.iterations(), t.seed()), "test:         accuracy 0.",
            "software:     dl4j-connectome ", "  command:    connectome zoo train celegans-mnist"}) {
            assertTrue(r.out.contains("\n" + label), "missing '" + label + "' in\n" + r.out);
        }
        CommandRunner json = CommandRunner.run("zoo", "info", "celegans-mnist", "--json");
        assertEquals(0, json.exitCode, json.err);
        assertEquals(new String(resource("celegans-mnist.provenance.json"), StandardCharsets.UTF_8), json.out);
    }

    @Test
    void evaluateLoadsTheCheckpointAndPrintsItsAccuracyLast() throws IOException {
        CheckpointProvenance p = ConnectomeZooModel.of("celegans-mnist").provenance();
        CommandRunner r = CommandRunner.run("zoo", "evaluate", "celegans-mnist");
        assertEquals(0, r.exitCode, r.err);
        assertEquals(p.test().accuracy(), accuracy(r.out), 0.005);
        assertTrue(r.out.contains(String.format(Locale.ROOT, "recorded test accuracy: %.4f\n", p.test().accuracy())),
                r.out);
        assertTrue(r.err.contains("loading celegans-mnist"), "progress on stderr: " + r.err);
    }

    @Test
    void trainWritesACheckpointFolderFromASpec(@TempDir Path dir) throws IOException {
        Path spec = Files.writeString(dir.resolve("small.json"), "{\"id\": \"celegans-mnist\", \"connectome\": "
                + "\"celegans\", \"epochs\": 1, \"trainDigits\": 64, \"hidden\": 16}");
        Path out = dir.resolve("out");
        CommandRunner r = CommandRunner.run("zoo", "train", "celegans-mnist", "--spec", spec.toString(), "--out-dir",
                out.toString());
        assertEquals(0, r.exitCode, r.err);
        double accuracy = accuracy(r.out);
        CheckpointProvenance p;
        try (InputStream in = Files.newInputStream(out.resolve("celegans-mnist.provenance.json"))) {
            p = CheckpointProvenance.read(in, "written");
        }
        assertEquals(String.format(Locale.ROOT, "%.4f", p.test().accuracy()),
                String.format(Locale.ROOT, "%.4f", accuracy));
        assertEquals(Files.size(out.resolve("celegans-mnist.zip")), p.checkpoint().bytes());
        assertEquals("connectome zoo train celegans-mnist --spec " + spec, p.software().command());
        try (InputStream in = Files.newInputStream(out.resolve("celegans-mnist.spec.json"))) {
            assertEquals(CheckpointSpec.read(Files.newInputStream(spec), "given"), CheckpointSpec.read(in, "written"));
        }
        assertTrue(r.out.contains("checkpoint written: " + out.resolve("celegans-mnist.zip")), r.out);
        assertTrue(r.out.contains("shipped checkpoint's test accuracy: "), r.out);
        assertTrue(r.err.contains("epoch 1/1"), "progress on stderr: " + r.err);
    }

    @Test
    void trainAppliesTrainMnistOptionsSuchAsASearchsBestArgs(@TempDir Path dir) throws IOException {
        Path spec = Files.writeString(dir.resolve("small.json"), "{\"id\": \"celegans-mnist\", \"connectome\": "
                + "\"celegans\", \"epochs\": 1, \"trainDigits\": 64}");
        Path args = Files.writeString(dir.resolve("best.args"), "# search candidate 4: validation accuracy 0.9\n"
                + "--hidden 8\n--type-tau 0.9\n\n--type-pair-gain-init=1.25\n--limit-train 32\n--lr 0.004\n");
        Path out = dir.resolve("out");
        CommandRunner r = CommandRunner.run("zoo", "train", "celegans-mnist", "--spec", spec.toString(), "--args",
                args.toString(), "--out-dir", out.toString());
        assertEquals(0, r.exitCode, r.err);
        CheckpointSpec written;
        try (InputStream in = Files.newInputStream(out.resolve("celegans-mnist.spec.json"))) {
            written = CheckpointSpec.read(in, "written");
        }
        assertEquals(8, written.classifier().hidden());
        assertEquals(0.004, written.classifier().learningRate());
        assertEquals(32, written.trainDigits());
        assertEquals(1, written.epochs(), "from the spec");
        assertEquals(0.9, written.typeTau()[0]);
        assertEquals(1.25, written.typePairGainInit()[0]);
        try (InputStream in = Files.newInputStream(out.resolve("celegans-mnist.provenance.json"))) {
            CheckpointProvenance p = CheckpointProvenance.read(in, "written");
            assertEquals(written, p.network().spec());
            assertEquals("connectome zoo train celegans-mnist --spec " + spec + " --args " + args,
                    p.software().command());
        }

        Path bad = Files.writeString(dir.resolve("bad.args"), "--hidden 8\n--out model.zip\n");
        CommandRunner refused = CommandRunner.run("zoo", "train", "celegans-mnist", "--args", bad.toString());
        assertEquals(2, refused.exitCode);
        assertEquals("error: --args " + bad + ": line 2: '--out model.zip': expected one option and its value per "
                + "line, one of --batch --connectome --end-time --epochs --extent --hidden --limit-train --lr "
                + "--num-steps --seed --tau-min --type-pair-gain-init --type-tau\n", refused.err);
        Path value = Files.writeString(dir.resolve("value.args"), "--epochs 0\n");
        CommandRunner badValue = CommandRunner.run("zoo", "train", "celegans-mnist", "--args", value.toString());
        assertEquals(2, badValue.exitCode);
        assertEquals("error: --args " + value + ": epochs = 0: expected at least 1\n", badValue.err);
    }

    @Test
    void badArgumentsAreOneLineUsageErrors(@TempDir Path dir) throws IOException {
        CommandRunner unknown = CommandRunner.run("zoo", "info", "lenet");
        assertEquals(2, unknown.exitCode);
        assertEquals("error: ID lenet: no checkpoint 'lenet' in the zoo; it has: flyvis-mnist, celegans-mnist\n",
                unknown.err);
        assertEquals(2, CommandRunner.run("zoo", "evaluate", "lenet").exitCode);
        assertEquals(2, CommandRunner.run("zoo", "train", "lenet").exitCode);

        CommandRunner bare = CommandRunner.run("zoo");
        assertEquals(2, bare.exitCode);
        assertTrue(bare.err.startsWith("error: Missing required subcommand"), bare.err);

        Path missing = dir.resolve("missing.json");
        CommandRunner noSpec = CommandRunner.run("zoo", "train", "celegans-mnist", "--spec", missing.toString());
        assertEquals(2, noSpec.exitCode);
        assertEquals("error: --spec " + missing + ": no such file\n", noSpec.err);

        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"id\": \"celegans-mnist\", \"epochs\": 0}");
        CommandRunner badSpec = CommandRunner.run("zoo", "train", "celegans-mnist", "--spec", bad.toString());
        assertEquals(2, badSpec.exitCode);
        assertEquals("error: --spec " + bad + ": epochs = 0: expected at least 1\n", badSpec.err);

        Path other = Files.writeString(dir.resolve("other.json"), "{\"id\": \"celegans-mnist\"}");
        CommandRunner wrongId = CommandRunner.run("zoo", "train", "flyvis-mnist", "--spec", other.toString());
        assertEquals(2, wrongId.exitCode);
        assertEquals("error: --spec " + other + ": its id is celegans-mnist, expected flyvis-mnist\n", wrongId.err);

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        CommandRunner outFile = CommandRunner.run("zoo", "train", "celegans-mnist", "--out-dir", file.toString());
        assertEquals(2, outFile.exitCode);
        assertEquals("error: --out-dir " + file + ": is a file, expected a directory\n", outFile.err);

        // The stability check of the layer, at configuration time, before any training.
        Path unstable = Files.writeString(dir.resolve("unstable.json"), "{\"id\": \"celegans-mnist\", \"connectome\": "
                + "\"celegans\", \"tauMin\": 0.1, \"evaluationPoints\": 2}");
        CommandRunner u = CommandRunner.run("zoo", "train", "celegans-mnist", "--spec", unstable.toString(),
                "--out-dir", dir.resolve("never").toString());
        assertEquals(2, u.exitCode, u.err);
        String[] errLines = u.err.split("\n");
        String last = errLines[errLines.length - 1];
        assertTrue(last.startsWith("error: --spec " + unstable + ": spec celegans-mnist: "), u.err);
        assertTrue(last.contains("unstable for tau down to tauMin = 0.1"), u.err);
        assertEquals(1, u.err.split("error: ", -1).length - 1, "one error line after the progress: " + u.err);
        assertEquals("", u.out.replaceFirst("training celegans-mnist: [^\n]*\n", ""), "nothing trained");
    }
}
