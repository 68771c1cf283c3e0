package org.dl4jconnectome.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs the packaged command line, {@code java -jar samples/target/connectome.jar}, as a user does (through its
 * relaunch with the Vector API module), and checks its output against an independent Hipparchus solution.
 */
class SimulateIT {
    /**
     * 12 neurons of 2 types (excitatory sigmoid, inhibitory softplus), 4 inputs, batch 2, 3 input bins. Smooth
     * nonlinearities keep the solution smooth between bin edges, so the solver's error follows its tolerance.
     */
    private static final SmallCase CASE = SmallCase.create(2024, 12, 4, 2, 3, "sigmoid", "softplus");
    private static final int POINTS = 13;

    @TempDir
    static Path dir;
    private static List<String> caseArgs;

    @BeforeAll
    static void writeCase() throws IOException {
        caseArgs = CASE.write(dir);
        caseArgs.addAll(List.of("--t-start", "0.5", "--t-end", "2", "--num-steps", String.valueOf(POINTS)));
    }

    /** Exit code, stdout and stderr of one run. */
    private record Run(int code, String out, String err) {
        /** stderr without the JVM's notice that an incubator module is in use. */
        List<String> errorLines() {
            return err.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules"))
                    .collect(Collectors.toList());
        }

        @Override
        public String toString() {
            return "exit " + code + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    private static Run connectome(List<String> args) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("basedir", "."), "target", "connectome.jar");
        assertTrue(Files.isRegularFile(jar), jar + " is built by the package phase");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove(ConnectomeCli.NO_RELAUNCH);
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("connectome " + args + " did not finish in 3 minutes");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static List<String> simulate(Path out, String... options) {
        List<String> a = new ArrayList<>(List.of("simulate", "--out", out.toString()));
        a.addAll(caseArgs);
        a.addAll(List.of(options));
        return a;
    }

    @Test
    void float64AdaptiveMatchesHipparchus() throws Exception {
        Path out = dir.resolve("states64.npy");
        Run r = connectome(simulate(out, "--dtype", "float64", "--solver", "dopri5-adaptive", "--atol", "1e-10",
                "--rtol", "1e-10"));
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().matches("neurons=12 synapses=" + CASE.synapses.nnz() + " types=2 batch=2 steps=\\d+ "
                + "rejected=\\d+ evaluations=\\d+ time=\\d+\\.\\d\\ds out=" + java.util.regex.Pattern.quote(
                out.toString()) + "\n"), r::toString);
        assertEquals(List.of(), r.errorLines(), "no progress bar or log output when stderr is not a terminal");
        double[] states = Cli.readStates(out, "<f8", 2, 12, POINTS);
        double err = SmallCase.maxError(states, CASE.reference(0.5, 2, POINTS));
        assertTrue(err < 1e-7, "max error " + err);
    }

    @Test
    void float32FixedStepsMatchHipparchus() throws Exception {
        Path out = dir.resolve("states32.npy");
        Run r = connectome(simulate(out, "--solver", "dopri5-fixed", "--steps-per-interval", "32"));
        assertEquals(0, r.code(), r::toString);
        double[] states = Cli.readStates(out, "<f4", 2, 12, POINTS);
        double err = SmallCase.maxError(states, CASE.reference(0.5, 2, POINTS));
        assertTrue(err < 1e-5, "max error " + err);
    }

    @Test
    void badArgumentsExitWithOneErrorLine() throws Exception {
        List<String> args = simulate(dir.resolve("never.npy"));
        args.set(args.indexOf("--type-tau") + 1, "1,-2");
        Run r = connectome(args);
        assertEquals(2, r.code(), r::toString);
        assertEquals(List.of("error: --type-tau 1.0,-2.0: entry 2 is -2.0: expected a finite time constant > 0"),
                r.errorLines());
        assertEquals("", r.out());
    }

    @Test
    void infoDescribesTheConnectome() throws Exception {
        Run r = connectome(List.of("info", dir.resolve("connectome.npz").toString(), "--neuron-types",
                dir.resolve("types.npy").toString()));
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("\nneurons:     12\nsynapses:    " + CASE.synapses.nnz() + "\n"), r.out());
        assertTrue(r.out().contains("orientation: rows = receiving (postsynaptic) neuron; use --transpose for "
                + "pre-by-post files\n"), r.out());
        long excitatory = java.util.Arrays.stream(CASE.types).filter(t -> t == 0).count();
        assertTrue(r.out().contains("types:       2 (neurons per type: 0: " + excitatory + ", 1: "
                + (12 - excitatory) + ")\n"), r.out());
    }
}
