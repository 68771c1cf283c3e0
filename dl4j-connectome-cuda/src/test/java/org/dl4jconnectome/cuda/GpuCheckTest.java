package org.dl4jconnectome.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GPU check's own logic: its no-GPU mode (everything up to the first device call), the whole check on the
 * emulated device (every comparison must pass there too, since the emulator runs the same kernels), and its usage
 * errors.
 */
class GpuCheckTest {

    private static int run(PrintStream log, String... args) {
        return GpuCheck.run(args, log);
    }

    private static String capture(int[] status, String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        status[0] = run(new PrintStream(buf, true, StandardCharsets.UTF_8), args);
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withoutAGpuTheCpuPartsRunAndTheGpuPartsAreRecordedAsNotRun(@TempDir Path dir) throws IOException {
        int[] status = new int[1];
        String log = capture(status, "--out", dir.toString(), "--no-gpu", "--skip-tutorial", "--small-neurons", "40");
        assertEquals(0, status[0], log);
        List<String> lines = Files.readAllLines(dir.resolve("results.jsonl"));
        assertEquals("{\"kind\": \"device\", \"available\": false, \"reason\": \"--no-gpu\"}", lines.get(0));
        List<String> checks = lines.stream().filter(l -> l.contains("\"kind\": \"check\"")).collect(
                Collectors.toList());
        // Per precision: 3 batch sizes x 3 kernels, 5 state operations, 3 cases x (forward, reverse) + 1 adaptive.
        assertEquals(2 * (12 + 5 + 7), checks.size(), String.join("\n", checks));
        assertTrue(checks.stream().allMatch(l -> l.contains("\"skipped\": \"no GPU\"")), String.join("\n", checks));
        assertTrue(log.contains("small#2 f64: CPU reference in"), log);
    }

    @Test
    void onTheEmulatedDeviceEveryCheckPasses(@TempDir Path dir) throws IOException {
        String previous = Emulator.use();
        try {
            int[] status = new int[1];
            String log = capture(status, "--out", dir.toString(), "--skip-tutorial", "--small-neurons", "40");
            assertEquals(0, status[0], log);
            List<String> checks = Files.readAllLines(dir.resolve("results.jsonl")).stream()
                    .filter(l -> l.contains("\"kind\": \"check\"")).collect(Collectors.toList());
            assertEquals(48, checks.size(), String.join("\n", checks));
            assertTrue(checks.stream().allMatch(l -> l.contains("\"pass\": true")), String.join("\n", checks));
        } finally {
            Emulator.restore(previous);
        }
    }

    @Test
    void usageErrorsExitWithStatus2AndOneLine(@TempDir Path dir) {
        int[] status = new int[1];
        assertEquals("error: --out DIR is required\n", capture(status, "--no-gpu"));
        assertEquals(2, status[0]);
        assertEquals("error: --repeat 0: expected at least 1\n", capture(status, "--out", dir.toString(),
                "--repeat", "0"));
        assertEquals(2, status[0]);
        assertEquals("error: unknown option '--fast': expected --out DIR, --no-gpu, --skip-tutorial, --repeat R, "
                + "--small-neurons N\n", capture(status, "--fast"));
        assertEquals(2, status[0]);
    }
}
