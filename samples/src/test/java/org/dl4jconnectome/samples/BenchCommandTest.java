package org.dl4jconnectome.samples;

import org.dl4jconnectome.io.Npy;
import org.dl4jconnectome.io.NpyArray;
import org.dl4jconnectome.io.ScipySparseNpz;
import org.dl4jconnectome.kernels.Parallel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest {

    private static Map<String, JsonNode> lines(String out) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, JsonNode> byOp = new HashMap<>();
        for (String l : out.strip().split("\n")) {
            JsonNode n = json.readTree(l);
            byOp.put(n.get("op").asText(), n);
        }
        return byOp;
    }

    @Test
    void measuresEveryOpAndExportsAWorkloadThatReproducesTheForwardPass(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first");
        Cli.Result r = Cli.run("bench", "--neurons", "300", "--synapses", "4000", "--batch", "3", "--num-steps", "5",
                "--repeat", "2", "--export", first.toString());
        assertEquals(0, r.code(), r.toString());
        Map<String, JsonNode> ops = lines(r.out());
        for (String op : new String[] {"spmm", "spmm_transpose", "forward", "adaptive_forward", "simulate",
            "fit_step"}) {
            JsonNode n = ops.get(op);
            assertTrue(n != null, "missing " + op + " in " + r.out());
            assertEquals("java", n.get("impl").asText());
            assertEquals(300, n.get("neurons").asInt());
            assertEquals(4000, n.get("synapses").asInt());
            assertTrue(n.get("min_ms").asDouble() > 0 && n.get("min_ms").asDouble() <= n.get("median_ms").asDouble()
                    && n.get("median_ms").asDouble() <= n.get("max_ms").asDouble(), n.toString());
        }
        assertTrue(ops.get("fit_step").get("peak_rss_mb").asDouble() > 0);
        assertEquals(4000, ScipySparseNpz.read(first.resolve("connectome.npz")).nnz());
        NpyArray forward = Npy.read(first.resolve("java_forward.npy"));
        assertArrayEquals(new long[] {3, 300, 5}, forward.shape());

        // Reading the workload back (every distinct tau a type) gives the same model and output.
        Path second = dir.resolve("second");
        Cli.Result again = Cli.run("bench", "--data", first.toString(), "--ops", "forward", "--repeat", "1",
                "--num-steps", "5", "--export", second.toString());
        assertEquals(0, again.code(), again.toString());
        // Within float32 rounding: the Vector API's exp may differ by an ulp once the JIT has compiled it.
        float[] expected = forward.toFloatArray();
        float[] got = Npy.read(second.resolve("java_forward.npy")).toFloatArray();
        assertEquals(expected.length, got.length);
        for (int i = 0; i < got.length; i++) {
            assertEquals(expected[i], got[i], 1e-6 * Math.max(1, Math.abs(expected[i])), "element " + i);
        }
        assertArrayEquals(new long[] {3, 300, 5}, Npy.read(first.resolve("java_adaptive.npy")).shape());

        // Every method, fixed and adaptive, against the tight float64 solve: one line each.
        Cli.Result methods = Cli.run("bench", "--data", first.toString(), "--ops", "methods", "--repeat", "1",
                "--num-steps", "5");
        assertEquals(0, methods.code(), methods.toString());
        ObjectMapper json = new ObjectMapper();
        List<String> seen = new ArrayList<>();
        for (String l : methods.out().strip().split("\n")) {
            JsonNode n = json.readTree(l);
            assertEquals("method_error", n.get("op").asText());
            seen.add(n.get("method").asText() + " " + n.get("solver").asText());
            assertTrue(n.get("max_abs_error").asDouble() < 1e-3 && n.get("evaluations").asInt() > 0, n.toString());
        }
        assertEquals(List.of("dopri5 fixed", "dopri5 adaptive", "tsit5 fixed", "tsit5 adaptive"), seen);
    }

    /** A small bench run with {@code extra} appended; a repeated option replaces the small run's value. */
    private static List<String> small(String... extra) {
        List<String> args = new ArrayList<>(List.of("--neurons", "50", "--synapses", "200", "--batch", "2",
                "--num-steps", "3", "--repeat", "1", "--ops", "spmm"));
        for (int i = 0; i < extra.length; i += 2) {
            int at = args.indexOf(extra[i]);
            if (at >= 0) {
                args.set(at + 1, extra[i + 1]);
            } else {
                args.addAll(List.of(extra[i], extra[i + 1]));
            }
        }
        return args;
    }

    static Stream<Arguments> badArguments() {
        String threads = "expected 1.." + Parallel.maxThreads() + " (at most 4 per processor; this machine has "
                + Runtime.getRuntime().availableProcessors() + ")";
        return Stream.of(
                Arguments.of(small("--repeat", "0"), "--repeat 0: expected at least 1"),
                Arguments.of(small("--repeat", "-3"), "--repeat -3: expected at least 1"),
                Arguments.of(small("--fit-steps", "-1"), "--fit-steps -1: expected 0 (skip) or more"),
                Arguments.of(small("--threads", "100000"), "--threads 100000: " + threads),
                Arguments.of(small("--threads", "0"), "--threads 0: " + threads),
                Arguments.of(small("--num-steps", "1"), "--num-steps 1: expected at least 2 evaluation points"),
                Arguments.of(small("--steps-per-interval", "0"), "--steps-per-interval 0: expected at least 1"),
                Arguments.of(small("--steps-per-interval", "2000000000", "--num-steps", "20"),
                        "--steps-per-interval 2000000000: expected at most 56512727 with --num-steps 20 (a schedule "
                                + "holds at most 1073741819 steps)"),
                Arguments.of(small("--neurons", "1"), "--neurons 1: expected 2..2147483638"),
                Arguments.of(small("--synapses", "0"), "--synapses 0: expected 1..2500 (at most neurons^2 distinct "
                        + "pairs, and an array's capacity)"),
                Arguments.of(small("--synapses", "2501"), "--synapses 2501: expected 1..2500"),
                Arguments.of(small("--batch", "0"), "--batch 0: expected at least 1"),
                Arguments.of(small("--batch", "2000000000", "--num-steps", "20"), "--batch 2000000000: expected an "
                        + "output [batch, neurons, num-steps] of at most 2147483639 elements (it is 2000000000000)"),
                Arguments.of(small("--neurons", "2000000", "--synapses", "2000000000", "--batch", "8"),
                        "--neurons 2000000 --synapses 2000000000 --batch 8: the workload needs at least 48.4 GB, more "
                                + "than the Java heap ("),
                Arguments.of(small("--dtype", "float16"), "--dtype 'float16': expected float32 or float64"),
                Arguments.of(small("--ops", "nothing"), "--ops: unknown measurement 'nothing', expected one of "
                        + "spmm, spmm_transpose, forward, adaptive_forward, simulate, adaptive_simulate, fit_step, "
                        + "methods, save_load"),
                Arguments.of(small("--method", "rk4"), "--method rk4: expected one of dopri5, tsit5"),
                Arguments.of(small("--atol", "0"), "--atol 0.0: expected a finite number > 0"),
                Arguments.of(small("--rtol", "-1"), "--rtol -1.0: expected a finite number >= 0"),
                Arguments.of(small("--checkpoint-every", "-2"), "--checkpoint-every -2: expected 0 (keep every step) "
                        + "or more"),
                Arguments.of(small("--types", "51"), "--types 51: expected 1..50"),
                Arguments.of(small("--data", "/no/such/dir"), "--neurons does not apply with --data: the workload in "
                        + "/no/such/dir fixes it"),
                Arguments.of(small("--repeat", "many"), "Invalid value for option '--repeat': 'many' is not an int"));
    }

    @ParameterizedTest
    @MethodSource("badArguments")
    void badArgumentsAreUsageErrorsOfOneLine(List<String> args, String expected) {
        List<String> a = new ArrayList<>(args);
        a.add(0, "bench");
        Cli.Result r = Cli.run(a);
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().startsWith("error: " + expected), () -> "expected 'error: " + expected + "' in\n"
                + r.err());
        assertEquals(1, r.err().lines().count(), r::toString);
        assertFalse(r.err().contains("Exception"), r::toString);
        assertEquals("", r.out());
    }

    @Test
    void dataAndExportDirectoriesAreCheckedBeforeTheWork(@TempDir Path dir) throws Exception {
        Cli.Result r = Cli.run("bench", "--data", dir.resolve("missing").toString(), "--ops", "spmm");
        assertEquals(2, r.code(), r::toString);
        assertEquals("error: --data " + dir.resolve("missing") + ": no such directory, expected a directory written "
                + "by --export or benchmarks/make_workload.py\n", r.err());
        r = Cli.run("bench", "--data", dir.toString(), "--ops", "spmm");
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().startsWith("error: --data " + dir + ": "), r.err());
        assertEquals(1, r.err().lines().count(), r::toString);

        Path file = Files.createFile(dir.resolve("a-file"));
        r = Cli.run("bench", "--neurons", "50", "--synapses", "200", "--ops", "spmm", "--export", file.toString());
        assertEquals(2, r.code(), r::toString);
        assertEquals("error: --export " + file + ": is a file, expected a directory\n", r.err());
        r = Cli.run("bench", "--data", dir.toString(), "--export", dir.toString(), "--ops", "spmm");
        assertEquals(2, r.code(), r::toString);
        assertEquals("error: --export " + dir + " is the --data directory: writing there would replace the inputs; "
                + "choose another directory\n", r.err());
    }
}
