package org.dl4jconnectome.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped PTX is what build-ptx.sh makes of the shipped connectome.cu: the recorded checksum, and where nvcc
 * of the recorded version is installed, the PTX itself, regenerated; where ptxas is installed, the PTX assembles for
 * the architectures it is meant for without spilling registers.
 */
class PtxFreshnessTest {

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = PtxImage.open(name)) {
            return PtxImage.readAll(in);
        }
    }

    @Test
    void recordedChecksumIsTheSourcesChecksum() throws IOException, NoSuchAlgorithmException {
        Properties p = PtxImage.properties();
        String actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(resource(PtxImage.SOURCE)));
        assertEquals(p.getProperty("source.sha256"), actual, "connectome.cu changed since its PTX was made: run "
                + "dl4j-connectome-cuda/src/main/cuda/build-ptx.sh");
        for (int arch : PtxImage.architectures()) {
            String ptx = PtxImage.load(arch).text();
            assertTrue(ptx.contains("V" + p.getProperty("nvcc.version")), "compute_" + arch + " from nvcc "
                    + p.getProperty("nvcc.version"));
            assertTrue(ptx.contains(".target sm_" + arch), "compute_" + arch + " targets sm_" + arch);
        }
        assertEquals(List.of(75, 90), PtxImage.architectures());
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), String.join(" ", command) + " timed out");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + out);
        return out;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void nvccOfTheRecordedVersionRegeneratesTheSamePtx() throws IOException, InterruptedException {
        Assumptions.assumeTrue(onPath("nvcc"), "nvcc is not installed: the checksum test stands alone");
        Properties p = PtxImage.properties();
        String version = run(List.of("nvcc", "--version"));
        Assumptions.assumeTrue(version.contains("V" + p.getProperty("nvcc.version")),
                "another nvcc than the recorded " + p.getProperty("nvcc.version") + " makes other PTX");
        Path dir = Files.createTempDirectory("ptx");
        Path source = dir.resolve(PtxImage.SOURCE);
        Files.write(source, resource(PtxImage.SOURCE));
        for (int arch : PtxImage.architectures()) {
            Path out = dir.resolve("compute_" + arch + ".ptx");
            List<String> cmd = new ArrayList<>(List.of("nvcc"));
            cmd.addAll(Arrays.asList(p.getProperty("nvcc.flags").split(" ")));
            cmd.addAll(List.of("-arch=compute_" + arch, "-o", out.toString(), source.toString()));
            run(cmd);
            assertArrayEquals(resource(String.format("connectome.compute_%d.ptx", arch)), Files.readAllBytes(out),
                    "compute_" + arch + " PTX is stale: run dl4j-connectome-cuda/src/main/cuda/build-ptx.sh");
        }
    }

    @Test
    void ptxAssemblesWithoutSpillsForItsArchitectures() throws IOException, InterruptedException {
        Assumptions.assumeTrue(onPath("ptxas"), "ptxas is not installed");
        Path dir = Files.createTempDirectory("ptxas");
        String[][] targets = {{"75", "sm_75"}, {"75", "sm_80"}, {"90", "sm_90"}};
        Pattern spill = Pattern.compile("(\\d+) bytes spill stores, (\\d+) bytes spill loads");
        for (String[] t : targets) {
            Path ptx = dir.resolve("c" + t[0] + ".ptx");
            Files.write(ptx, resource("connectome.compute_" + t[0] + ".ptx"));
            String log = run(List.of("ptxas", "-v", "-arch=" + t[1], "-o", dir.resolve(t[1] + ".cubin").toString(),
                    ptx.toString()));
            Matcher m = spill.matcher(log);
            int functions = 0;
            while (m.find()) {
                functions++;
                assertEquals("0", m.group(1), t[1] + " spills registers:\n" + log);
                assertEquals("0", m.group(2), t[1] + " spills registers:\n" + log);
            }
            assertEquals(32, functions, t[1] + ": one report per kernel");
        }
    }
}
