package org.dl4jconnectome.samples;

import org.dl4jconnectome.zoo.CheckpointProvenance;
import org.dl4jconnectome.zoo.ConnectomeZooModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged command line's {@code zoo list} and {@code zoo evaluate}, as the README runs them on a fresh clone:
 * offline, with a home directory of its own that must stay empty (the checkpoints are read from the jar, never
 * copied).
 */
class ZooIT {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private Run connectome(Path home, String... args) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("basedir", "."), "target", "connectome.jar");
        assertTrue(Files.isRegularFile(jar), jar + " is built by the package phase");
        // JavaCPP extracts ND4J's native libraries under the home directory unless told otherwise: elsewhere here,
        // so that the home shows what the zoo writes.
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.home=" + home, "-Dorg.bytedeco.javacpp.cachedir=" + dir.resolve("javacpp-cache"), "-jar",
                jar.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().remove(ConnectomeCli.NO_RELAUNCH);
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("connectome " + List.of(args) + " did not finish in 5 minutes");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void listAndEvaluateWorkOfflineAndWriteNothingToTheHomeDirectory() throws Exception {
        Path home = Files.createDirectory(dir.resolve("home"));
        Run list = connectome(home, "zoo", "list");
        assertEquals(0, list.code(), list.err());
        for (String id : ConnectomeZooModel.ids()) {
            CheckpointProvenance p = ConnectomeZooModel.of(id).provenance();
            assertTrue(list.out().lines().anyMatch(l -> l.startsWith(id + " ") && l.contains(
                    String.format(Locale.ROOT, "%.4f", p.test().accuracy()))), list.out());
        }

        CheckpointProvenance worm = ConnectomeZooModel.of("celegans-mnist").provenance();
        Run evaluate = connectome(home, "zoo", "evaluate", "celegans-mnist");
        assertEquals(0, evaluate.code(), evaluate.err());
        String last = evaluate.out().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.matches("test accuracy: 0\\.\\d{4}"), evaluate.out());
        assertEquals(worm.test().accuracy(), Double.parseDouble(last.substring("test accuracy: ".length())), 0.005);
        assertTrue(evaluate.out().contains("(jar:file:"), "read from the zoo jar: " + evaluate.out());

        try (var files = Files.list(home)) {
            assertEquals(List.of(), files.toList(), "nothing written to the home directory");
        }
    }

    @Test
    void trainIsReproducible() throws Exception {
        // The shipped worm's settings on a smaller budget: two runs in fresh JVMs give the same network.
        Path spec = Files.writeString(dir.resolve("small.json"), "{\"id\": \"celegans-mnist\", \"connectome\": "
                + "\"celegans\", \"epochs\": 2, \"trainDigits\": 480}");
        Path home = Files.createDirectory(dir.resolve("home"));
        CheckpointProvenance[] runs = new CheckpointProvenance[2];
        for (int i = 0; i < runs.length; i++) {
            Path out = dir.resolve("run" + i);
            Run r = connectome(home, "zoo", "train", "celegans-mnist", "--spec", spec.toString(), "--out-dir",
                    out.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("\nkernels: ScalarKernels, "), r.out());
            try (var in = Files.newInputStream(out.resolve("celegans-mnist.provenance.json"))) {
                runs[i] = CheckpointProvenance.read(in, out.toString());
            }
        }
        assertEquals(runs[0].test().accuracy(), runs[1].test().accuracy(), 0.0, "same spec, same accuracy");
        for (int d = 0; d < CheckpointProvenance.PROBE_DIGITS; d++) {
            assertArrayEquals(runs[0].test().probeOutputs()[d], runs[1].test().probeOutputs()[d], 0f,
                    "same outputs on digit " + runs[0].test().probeDigits()[d]);
        }
        assertEquals(runs[0].network().configurationSha256(), runs[1].network().configurationSha256());
    }
}
