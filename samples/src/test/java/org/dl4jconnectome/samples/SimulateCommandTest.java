package org.dl4jconnectome.samples;

import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.io.EdgeListCsv;
import org.dl4jconnectome.io.Npy;
import org.dl4jconnectome.io.NpyArray;
import org.dl4jconnectome.io.Npz;
import org.dl4jconnectome.io.ScipySparseNpz;
import org.dl4jconnectome.kernels.Parallel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SimulateCommandTest {
    /** 12 neurons, 4 inputs, batch 2, 3 input bins; smooth nonlinearities keep the solver's error near tolerance. */
    private static final SmallCase CASE = SmallCase.create(11, 12, 4, 2, 3, "sigmoid", "softplus");
    private static final int POINTS = 9;
    private static final Pattern SUMMARY = Pattern.compile("neurons=12 synapses=(\\d+) types=2 batch=2 steps=(\\d+) "
            + "rejected=(\\d+) evaluations=(\\d+) time=\\d+\\.\\d\\ds out=(.+)\n");

    @TempDir
    static Path dir;
    private static List<String> base;

    @BeforeAll
    static void writeCase() throws IOException {
        base = CASE.write(dir);
        base.addAll(List.of("--t-end", "2", "--num-steps", String.valueOf(POINTS)));
    }

    /** The base arguments with the given ones appended (a repeated option replaces the base's value). */
    private static List<String> args(String... extra) {
        List<String> a = new ArrayList<>(base);
        for (int i = 0; i < extra.length; i++) {
            int at = a.indexOf(extra[i]);
            if (at >= 0 && i + 1 < extra.length && !extra[i + 1].startsWith("--")) {
                a.set(at + 1, extra[++i]);
            } else {
                a.add(extra[i]);
            }
        }
        return a;
    }

    private static List<String> without(List<String> args, String option) {
        List<String> a = new ArrayList<>(args);
        int at = a.indexOf(option);
        a.remove(at + 1);
        a.remove(at);
        return a;
    }

    private static Path out(String name) {
        return dir.resolve(name);
    }

    /** Runs simulate to {@code out}, asserting success, and returns the float64 states. */
    private static double[] simulate(String name, List<String> args) throws IOException {
        List<String> a = new ArrayList<>(args);
        a.addAll(0, List.of("simulate", "--out", out(name).toString(), "--dtype", "float64", "--atol", "1e-10",
                "--rtol", "1e-10"));
        Cli.Result r = Cli.run(a);
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err(), "nothing on stderr when it is not a terminal");
        assertTrue(SUMMARY.matcher(r.out()).matches(), r::toString);
        return Cli.readStates(out(name), "<f8", 2, 12, POINTS);
    }

    @Test
    void sequenceInputMatchesTheReferenceSolution() throws IOException {
        double[] states = simulate("sequence.npy", base);
        double err = SmallCase.maxError(states, CASE.reference(0, 2, POINTS));
        assertTrue(err < 1e-8, "max error " + err);
        assertEquals(0.0, states[0], 0.0, "h(t0) = 0");
    }

    @Test
    void tsit5MatchesTheReferenceWithFixedAndAdaptiveSteps() throws IOException {
        double[] adaptive = simulate("tsit5-adaptive.npy", args("--method", "tsit5"));
        assertTrue(SmallCase.maxError(adaptive, CASE.reference(0, 2, POINTS)) < 1e-8);
        Path o = out("tsit5-fixed.npy");
        List<String> a = new ArrayList<>(List.of("simulate", "--out", o.toString(), "--dtype", "float64",
                "--solver", "fixed", "--method", "tsit5", "--steps-per-interval", "16"));
        a.addAll(base);
        Cli.Result r = Cli.run(a);
        assertEquals(0, r.code(), r::toString);
        double[] fixed = Cli.readStates(o, "<f8", 2, 12, POINTS);
        assertTrue(SmallCase.maxError(fixed, CASE.reference(0, 2, POINTS)) < 1e-7);
    }

    @Test
    void aDivergingFixedStepSolveExitsOneNamingTheStep() throws IOException {
        // Two relu neurons exciting each other with weight 10 grow like e^(9t) and overflow long before t = 1000.
        Path sub = Files.createDirectories(dir.resolve("explosive"));
        Path edges = sub.resolve("edges.csv");
        Files.write(edges, List.of("post,pre,weight", "0,1,10", "1,0,10"));
        Path input = sub.resolve("x.npy");
        org.dl4jconnectome.io.Npy.write(input, org.dl4jconnectome.io.NpyArray.ofFloat64(new double[] {1, 1}, 2, 1));
        Path indices = sub.resolve("idx.npy");
        org.dl4jconnectome.io.Npy.write(indices, org.dl4jconnectome.io.NpyArray.ofInt64(new long[] {0}, 1));
        Cli.Result r = Cli.run(List.of("simulate", "--connectome", edges.toString(), "--type-nonlinearity", "relu",
                "--input-indices", indices.toString(), "--input", input.toString(), "--solver", "fixed",
                "--t-end", "1000", "--num-steps", "1001", "--out", sub.resolve("out.npy").toString()));
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.err().startsWith("error: the simulation failed: the solution of sample 0 became non-finite in "
                + "the step from t = "), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(Files.exists(sub.resolve("out.npy")), "nothing is written");
    }

    @Test
    void rectifiedTanhMatchesTheReference() throws IOException {
        SmallCase tanh = SmallCase.create(11, 12, 4, 2, 3, "sigmoid", "tanh");
        Path sub = Files.createDirectories(dir.resolve("tanh"));
        List<String> a = tanh.write(sub);
        a.addAll(List.of("--t-end", "2", "--num-steps", String.valueOf(POINTS)));
        double[] states = simulate("tanh.npy", a);
        // ReLU(tanh(z)) has a kink where z crosses 0; steps across it keep errors above the tolerance of 1e-10.
        double err = SmallCase.maxError(states, tanh.reference(0, 2, POINTS));
        assertTrue(err < 5e-7, "max error " + err);
    }

    @Test
    void neuronTypesMayComeFromATorchFile() throws IOException {
        Path types = dir.resolve("types.pt");
        TorchFile.writeLongs(types, Arrays.stream(CASE.types).asLongStream().toArray());
        assertArrayEquals(simulate("types-npy.npy", base), simulate("types-pt.npy",
                args("--neuron-types", types.toString())), 0.0);
    }

    @Test
    void summaryReportsTheRun() {
        Path o = out("summary.npy");
        Cli.Result r = Cli.run(withSimulate(args("--out", o.toString())));
        assertEquals(0, r.code(), r::toString);
        var m = SUMMARY.matcher(r.out());
        assertTrue(m.matches(), r.out());
        assertEquals(CASE.synapses.nnz(), Integer.parseInt(m.group(1)));
        int steps = Integer.parseInt(m.group(2));
        int evaluations = Integer.parseInt(m.group(4));
        // Dopri5: 6 new stages per accepted or rejected step plus the first, and at least one step per input bin.
        assertTrue(steps >= 3, r.out());
        assertTrue(evaluations >= 6 * steps + 1, r.out());
        assertEquals(o.toString(), m.group(5));
    }

    @Test
    void float32FixedStepsMatchTheReference() throws IOException {
        Path o = out("fixed32.npy");
        List<String> a = new ArrayList<>(List.of("simulate", "--out", o.toString(), "--solver", "dopri5-fixed",
                "--steps-per-interval", "32"));
        a.addAll(base);
        Cli.Result r = Cli.run(a);
        assertEquals(0, r.code(), r::toString);
        double[] states = Cli.readStates(o, "<f4", 2, 12, POINTS);
        double err = SmallCase.maxError(states, CASE.reference(0, 2, POINTS));
        assertTrue(err < 1e-6, "max error " + err);
        // 32 steps per interval, plus the 2 bin edges that do not fall on a step boundary.
        var m = SUMMARY.matcher(r.out());
        assertTrue(m.matches(), r.out());
        assertEquals(32 * (POINTS - 1) + 2, Integer.parseInt(m.group(2)));
        assertEquals("0", m.group(3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"npz-stored", "csv", "pt"})
    void everyConnectomeFormatGivesTheSameStates(String format) throws IOException {
        double[] expected = simulate("format-npz.npy", base);
        Path file;
        switch (format) {
            case "csv":
                file = dir.resolve("connectome.csv");
                EdgeListCsv.write(file, CASE.synapses);
                break;
            case "pt":
                file = dir.resolve("connectome.pt");
                TorchFile.writeSparse(file, CASE.synapses);
                break;
            default:
                file = dir.resolve("connectome-stored.npz");
                ScipySparseNpz.write(file, CASE.synapses, false);
                break;
        }
        double[] states = simulate("format-" + format + ".npy", args("--connectome", file.toString()));
        assertArrayEquals(expected, states, 1e-12);
    }

    @ParameterizedTest
    @ValueSource(strings = {"npz", "pt"})
    void transposeReadsPreByPostFiles(String format) throws IOException {
        double[] expected = simulate("transpose-ref.npy", base);
        Path file = dir.resolve("pre-by-post." + format);
        if (format.equals("pt")) {
            TorchFile.writeSparse(file, CASE.synapses.transpose());
        } else {
            ScipySparseNpz.write(file, CASE.synapses.transpose(), true);
        }
        double[] transposed = simulate("transpose-" + format + ".npy",
                args("--connectome", file.toString(), "--transpose"));
        assertArrayEquals(expected, transposed, 1e-12);
        double[] misread = simulate("misread-" + format + ".npy", args("--connectome", file.toString()));
        assertTrue(SmallCase.maxError(misread, CASE.reference(0, 2, POINTS)) > 1e-3,
                "without --transpose the pre-by-post file is another network");
    }

    @ParameterizedTest
    @ValueSource(strings = {"npy", "pt"})
    void inputIndicesActAsAnIdentityProjection(String format) throws IOException {
        int[] idx = {5, 0, 11, 5};
        Path indices = dir.resolve("indices." + format);
        if (format.equals("pt")) {
            TorchFile.writeLongs(indices, Arrays.stream(idx).asLongStream().toArray());
        } else {
            Npy.write(indices, NpyArray.ofInt32(idx, idx.length));
        }
        double[] viaIndices = simulate("via-indices.npy", without(args("--input-indices", indices.toString()),
                "--input-projection"));

        double[][] u = new double[12][4];
        for (int k = 0; k < idx.length; k++) {
            u[idx[k]][k] = 1.0;
        }
        Path projection = dir.resolve("identity.npz");
        ScipySparseNpz.write(projection, CsrMatrix.fromDense(u), true);
        double[] viaProjection = simulate("identity.npy", args("--input-projection", projection.toString()));
        assertArrayEquals(viaProjection, viaIndices, 1e-12);
        assertFalse(Arrays.equals(simulate("projection.npy", base), viaIndices));
    }

    @Test
    void constantInputEqualsEqualBins() throws IOException {
        double[] constant = new double[2 * 4];
        double[] repeated = new double[2 * 4 * 3];
        for (int i = 0; i < constant.length; i++) {
            constant[i] = (float) (0.7 * i - 2);
            for (int s = 0; s < 3; s++) {
                repeated[3 * i + s] = constant[i];
            }
        }
        Path c = dir.resolve("constant.npy");
        Npy.write(c, NpyArray.ofFloat32(toFloat(constant), 2, 4));  // float32 values, read exactly
        Path r = dir.resolve("repeated.npy");
        Npy.write(r, NpyArray.ofFloat64(repeated, 2, 4, 3));
        double[] fromConstant = simulate("constant-out.npy", args("--input", c.toString()));
        double[] fromRepeated = simulate("repeated-out.npy", args("--input", r.toString()));
        double err = SmallCase.maxError(fromConstant, CASE.withInput(constant, 2, 1).reference(0, 2, POINTS));
        assertTrue(err < 1e-8, "max error " + err);
        // Same solution; the solver restarts at the (here invisible) bin edges, so steps differ slightly.
        assertArrayEquals(fromConstant, fromRepeated, 1e-7);
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    @Test
    void negativeWeightPoliciesChangeTheModel() throws IOException {
        double[][] signed = CASE.synapses.toDense();
        signed[3][1] = -signed[3][1] - 0.5;
        signed[7][4] = -0.8;
        Path file = dir.resolve("signed.npz");
        ScipySparseNpz.write(file, CsrMatrix.fromDense(signed), true);

        Cli.Result rejected = Cli.run(withSimulate(args("--connectome", file.toString(), "--out",
                out("rejected.npy").toString())));
        assertEquals(2, rejected.code(), rejected::toString);
        assertTrue(rejected.err().contains("2 negative values"), rejected.err());
        assertTrue(rejected.err().contains("--negative-weights abs, clamp or signed"), rejected.err());

        double[][] dale = new double[12][12];
        double[][] edges = new double[12][12];
        double[][] clamped = new double[12][12];
        for (int i = 0; i < 12; i++) {
            for (int j = 0; j < 12; j++) {
                double classSign = CASE.types[j] == 0 ? 1 : -1;
                dale[i][j] = classSign * Math.abs(signed[i][j]);
                edges[i][j] = signed[i][j];
                clamped[i][j] = classSign * Math.max(signed[i][j], 0);
            }
        }
        double[] abs = simulate("abs.npy", args("--connectome", file.toString(), "--negative-weights", "abs"));
        assertMatches(abs, dale);
        double[] clamp = simulate("clamp.npy", args("--connectome", file.toString(), "--negative-weights", "clamp"));
        assertMatches(clamp, clamped);
        List<String> signedArgs = without(args("--connectome", file.toString(), "--negative-weights", "signed"),
                "--type-classes");
        double[] bySynapse = simulate("signed-out.npy", signedArgs);
        assertMatches(bySynapse, edges);
        assertTrue(SmallCase.maxError(bySynapse, CASE.reference(dale, 0, 2, POINTS)) > 1e-3, "the models differ");
    }

    /** Asserts agreement with the reference for these effective weights. */
    private static void assertMatches(double[] states, double[][] weights) {
        double err = SmallCase.maxError(states, CASE.reference(weights, 0, 2, POINTS));
        assertTrue(err < 1e-8, "max error " + err);
    }

    @Test
    void allExcitatoryIgnoresTheClasses() throws IOException {
        double[] states = simulate("all-exc.npy", args("--all-excitatory"));
        assertMatches(states, CASE.synapses.toDense());
    }

    @Test
    void noBreakpointsStepsAcrossBinEdgesAtACostInAccuracy() throws IOException {
        double[] straddling = simulate("no-breakpoints.npy", args("--no-breakpoints", "--threads", "2"));
        double[] onEdges = simulate("breakpoints.npy", base);
        double[][][] ref = CASE.reference(0, 2, POINTS);
        double errStraddling = SmallCase.maxError(straddling, ref);
        double errOnEdges = SmallCase.maxError(onEdges, ref);
        assertTrue(errStraddling < 1e-6, "max error " + errStraddling);
        // A step across an input jump is a step across a kink of the solution, which the error estimate misjudges.
        assertTrue(errStraddling > 10 * errOnEdges, errStraddling + " vs " + errOnEdges);
    }

    @Test
    void exhaustedStepBudgetIsARuntimeFailure() {
        Path o = out("budget.npy");
        Cli.Result r = Cli.run(withSimulate(args("--out", o.toString(), "--max-steps", "3")));
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.err().startsWith("error: the simulation failed: "), r.err());
        assertTrue(r.err().contains("--max-steps 3"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertFalse(Files.exists(o));
    }

    private static List<String> withSimulate(List<String> args) {
        List<String> a = new ArrayList<>(args);
        a.add(0, "simulate");
        return a;
    }

    static Stream<Arguments> badArguments() throws IOException {
        Path wrongTypes = dir.resolve("types-10.npy");
        Npy.write(wrongTypes, NpyArray.ofInt32(new int[10], 10));
        Path negativeType = dir.resolve("types-negative.npy");
        int[] t = CASE.types.clone();
        t[4] = -1;
        Npy.write(negativeType, NpyArray.ofInt32(t, 12));
        Path fractionalTypes = dir.resolve("types-fraction.npy");
        Npy.write(fractionalTypes, NpyArray.ofFloat64(new double[] {0, 1, 0.5, 1, 0, 0, 0, 0, 0, 0, 1, 1}, 12));
        Path wideInput = dir.resolve("input-5.npy");
        Npy.write(wideInput, NpyArray.ofFloat64(new double[2 * 5], 2, 5));
        Path flatInput = dir.resolve("input-1d.npy");
        Npy.write(flatInput, NpyArray.ofFloat64(new double[4], 4));
        Path nanInput = dir.resolve("input-nan.npy");
        Npy.write(nanInput, NpyArray.ofFloat64(new double[] {0, 1, Double.NaN, 2, 0, 0, 0, 0}, 2, 4));
        Path shortBias = dir.resolve("bias-11.npy");
        Npy.write(shortBias, NpyArray.ofFloat64(new double[11], 11));
        Path corrupt = dir.resolve("corrupt.npz");
        byte[] good = Files.readAllBytes(dir.resolve("connectome.npz"));
        Files.write(corrupt, Arrays.copyOf(good, good.length / 2));
        Path corruptPt = dir.resolve("corrupt.pt");
        Files.write(corruptPt, "not a torch file".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Path rectangular = dir.resolve("rectangular.npz");
        ScipySparseNpz.write(rectangular, CASE.projection, true);
        Path csv = dir.resolve("edges.csv");
        EdgeListCsv.write(csv, CASE.synapses);
        Path projection11 = dir.resolve("projection-11.npz");
        ScipySparseNpz.write(projection11, CsrMatrix.fromDense(new double[11][4]), true);
        Path badIndices = dir.resolve("indices-out-of-range.npy");
        Npy.write(badIndices, NpyArray.ofInt32(new int[] {0, 1, 12, 3}, 4));
        Path hugeType = dir.resolve("types-huge.npy");
        int[] huge = CASE.types.clone();
        huge[3] = 1_000_000_000;
        Npy.write(hugeType, NpyArray.ofInt32(huge, 12));
        Path maxType = dir.resolve("types-max.npy");
        int[] max = CASE.types.clone();
        max[0] = Integer.MAX_VALUE;
        Npy.write(maxType, NpyArray.ofInt32(max, 12));
        // scipy's own COO file (4 entries, the library's test fixture) with its shape edited to 2e9 x 2e9.
        Path scipyCoo = dir.resolve("scipy-coo.npz");
        try (var in = SimulateCommandTest.class.getResourceAsStream("/org/dl4jconnectome/io/sp_coo_stored.npz")) {
            Files.copy(in, scipyCoo, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Map<String, NpyArray> coo = new LinkedHashMap<>(Npz.read(scipyCoo));
        coo.put("shape", NpyArray.ofInt64(new long[] {2_000_000_000L, 2_000_000_000L}, 2));
        Path hugeNpz = dir.resolve("huge-coo.npz");
        Npz.write(hugeNpz, coo, true);
        Path strayCsv = dir.resolve("stray.csv");
        Files.write(strayCsv, List.of("post,pre,weight", "0,1,0.5", "1,100000000,1", "2,0,1"));
        Path negative = dir.resolve("negative.npz");
        double[][] neg = CASE.synapses.toDense();
        neg[2][5] = -1.0;
        ScipySparseNpz.write(negative, CsrMatrix.fromDense(neg), true);
        String missing = dir.resolve("missing.npz").toString();
        return Stream.of(
                Arguments.of(args("--connectome", missing), "--connectome " + missing + ": no such file"),
                Arguments.of(args("--connectome", dir.toString()), "unknown file type: expected .npz"),
                Arguments.of(args("--connectome", dir.resolve("c.mat").toString()), "--connectome"),
                Arguments.of(args("--connectome", corrupt.toString()), "--connectome: " + corrupt),
                Arguments.of(args("--connectome", corruptPt.toString()), "not a torch.save file"),
                Arguments.of(args("--connectome", rectangular.toString()),
                        "the matrix is 12 x 4: expected a non-empty square N x N connectome"),
                Arguments.of(args("--connectome", negative.toString()),
                        "1 negative value (the first: -1.0 from neuron 5 to neuron 2)"),
                Arguments.of(args("--connectome", csv.toString(), "--transpose"),
                        "--transpose does not apply to --connectome " + csv),
                Arguments.of(args("--neuron-types", wrongTypes.toString()),
                        "10 type ids, but --connectome has 12 neurons: expected one type id per neuron"),
                Arguments.of(args("--connectome", csv.toString(), "--neuron-types", wrongTypes.toString()),
                        "is out of range: expected 0..9 (N = 10 from --neuron-types)"),
                Arguments.of(args("--neuron-types", negativeType.toString()), "type id -1 (neuron 4) is negative"),
                Arguments.of(args("--neuron-types", fractionalTypes.toString()), "is not a whole number"),
                Arguments.of(args("--type-classes", "excitatory"), "--type-classes excitatory: 1 entry, expected "
                        + "one per neuron type (2: --neuron-types has type ids 0..1)"),
                Arguments.of(args("--type-classes", "excitatory,neutral"), "unknown neuron class 'neutral'"),
                Arguments.of(args("--type-tau", "1,0"), "--type-tau 1.0,0.0: entry 2 is 0.0: expected a finite "
                        + "time constant > 0"),
                Arguments.of(args("--type-tau", "1,fast"), "'fast' is not a double"),
                Arguments.of(args("--type-tau", "1,2,3"), "--type-tau 1.0,2.0,3.0: 3 entries"),
                Arguments.of(args("--type-nonlinearity", "sigmoid,cube"), "unknown nonlinearity 'cube'"),
                Arguments.of(args("--type-nonlinearity", "relu,relu,relu"), "or a single value for all"),
                Arguments.of(args("--negative-weights", "signed"),
                        "--type-classes does not apply with --negative-weights signed"),
                Arguments.of(args("--negative-weights", "flip"), "--negative-weights 'flip': expected one of reject, "
                        + "abs, clamp, signed"),
                Arguments.of(args("--input", wideInput.toString()), "--input " + wideInput + ": shape [2, 5]: "
                        + "expected [B, 4] or [B, 4, T] (I = 4 from --input-projection)"),
                Arguments.of(args("--input", flatInput.toString()), "shape [4]"),
                Arguments.of(args("--input", nanInput.toString()), "element 2 is NaN: expected finite values"),
                Arguments.of(args("--input", dir.resolve("nothing.npy").toString()), "no such file"),
                Arguments.of(args("--bias", shortBias.toString()), "--bias " + shortBias + ": shape [11]: "
                        + "expected [12]"),
                Arguments.of(args("--input-projection", projection11.toString()),
                        "the matrix is 11 x 4: expected N x I with one row per neuron (N = 12)"),
                Arguments.of(args("--input-projection", csv.toString()), "an edge list cannot hold an N x I matrix"),
                Arguments.of(args("--input-indices", badIndices.toString()), "mutually exclusive"),
                Arguments.of(without(args("--input-indices", badIndices.toString()), "--input-projection"),
                        "--input-indices " + badIndices + ": neuronOfInput[2] = 12 is out of range"),
                Arguments.of(without(base, "--input-projection"), "Missing required argument"),
                Arguments.of(args("--solver", "rk4"),
                        "--solver 'rk4': expected one of adaptive, fixed, dopri5-adaptive, dopri5-fixed"),
                Arguments.of(args("--method", "rk4"), "--method 'rk4': expected one of dopri5, tsit5"),
                Arguments.of(args("--solver", "dopri5-fixed", "--method", "tsit5"),
                        "--solver dopri5-fixed names the dopri5 method, but --method is tsit5"),
                Arguments.of(args("--solver", "fixed", "--t-end", "100", "--num-steps", "3"),
                        "gives fixed steps of 50.0 time units, unstable for tau down to the smallest tau"),
                Arguments.of(args("--solver", "dopri5-fixed", "--rtol", "1e-4"),
                        "--rtol applies to --solver adaptive only"),
                Arguments.of(args("--steps-per-interval", "4"),
                        "--steps-per-interval applies to --solver fixed only"),
                Arguments.of(args("--solver", "dopri5-fixed", "--steps-per-interval", "0"),
                        "--steps-per-interval 0: expected at least 1"),
                Arguments.of(args("--atol", "-1"), "--atol -1.0: expected a finite tolerance > 0"),
                Arguments.of(args("--atol", "0"), "--atol 0.0: expected a finite tolerance > 0 (the states start at 0, "
                        + "where a purely relative tolerance cannot be met)"),
                Arguments.of(args("--rtol", "-1e-3"), "--rtol -0.001: expected a finite tolerance >= 0"),
                Arguments.of(args("--max-steps", "0"), "--max-steps 0: expected at least 1"),
                Arguments.of(args("--num-steps", "1"), "--num-steps 1: expected at least 2"),
                Arguments.of(args("--num-steps", "100000000"), "--num-steps 100000000: the output [2, 12, 100000000] "
                        + "needs 9600000000 bytes as float32"),
                Arguments.of(args("--t-start", "3"), "--t-start 3.0 and --t-end 2.0"),
                Arguments.of(args("--dtype", "float16"), "--dtype 'float16': expected one of float32, float64"),
                Arguments.of(args("--threads", "0"), "--threads 0: expected 1.." + Parallel.maxThreads()),
                Arguments.of(args("--threads", "100000"), "--threads 100000: expected 1.." + Parallel.maxThreads()
                        + " (at most 4 per processor; this machine has "
                        + Runtime.getRuntime().availableProcessors() + ")"),
                Arguments.of(args("--t-start", "-1e308", "--t-end", "1e308"), "--t-start -1.0E308 and --t-end 1.0E308: "
                        + "the length of the time span overflows a double"),
                Arguments.of(args("--solver", "dopri5-fixed", "--steps-per-interval", "2000000000"),
                        "--steps-per-interval 2000000000 with --num-steps 9: 16000000000 steps, more than the "
                                + "1073741819 a schedule can hold"),
                Arguments.of(args("--neurons", "13"), "--neurons 13: --connectome " + dir.resolve("connectome.npz")
                        + " has 12 neurons"),
                Arguments.of(args("--neurons", "0"), "--neurons 0: expected 1..2147483638"),
                Arguments.of(args("--neuron-types", hugeType.toString()), "--neuron-types " + hugeType + ": type id "
                        + "1000000000 (neuron 3) is out of range: 12 neurons have at most 12 types, so expected "
                        + "type ids 0..11"),
                Arguments.of(args("--neuron-types", maxType.toString()), "--neuron-types " + maxType + ": type id "
                        + "2147483647 (neuron 0) is out of range: 12 neurons have at most 12 types"),
                Arguments.of(args("--connectome", hugeNpz.toString()), "--connectome: " + hugeNpz + ": 'shape' is "
                        + "[2000000000, 2000000000] with 4 stored entries: a 2000000000 x 2000000000 matrix with 4 "
                        + "entries needs 24.0 GB to build, more than the whole Java heap ("),
                Arguments.of(args("--connectome", strayCsv.toString(), "--neurons", "12"), "--connectome: " + strayCsv
                        + ", line 3, column 'pre': neuron index 100000000 is out of range: expected 0..11 (N = 12 "
                        + "from --neurons)"),

                Arguments.of(args("--frobnicate"), "Unknown option: '--frobnicate'"),
                Arguments.of(without(base, "--input"), "Missing required option: '--input=FILE'"));
    }

    @ParameterizedTest
    @MethodSource("badArguments")
    void badArgumentsGiveOneLineNamingTheProblem(List<String> args, String expected) {
        Path o = out("never.npy");
        List<String> a = withSimulate(args);
        a.addAll(List.of("--out", o.toString()));
        Cli.Result r = Cli.run(a);
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().startsWith("error: "), r::toString);
        assertTrue(r.err().contains(expected), () -> "expected '" + expected + "' in\n" + r.err());
        assertEquals(1, r.err().lines().count(), r::toString);
        assertEquals("", r.out());
        assertFalse(Files.exists(o), "no output after an error");
    }

    @Test
    void anOutputNamingAnInputFileIsRefusedBeforeTheWork() throws IOException {
        Path input = dir.resolve("input.npy");
        Path types = dir.resolve("types.npy");
        Path link = dir.resolve("link-to-types.npy");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, types);
        byte[] inputBytes = Files.readAllBytes(input);
        byte[] typesBytes = Files.readAllBytes(types);
        Cli.Result r = Cli.run(withSimulate(args("--out", input.toString())));
        assertEquals(2, r.code(), r::toString);
        assertEquals("error: --out " + input + " is the --input file " + input + ": writing the output would destroy "
                + "an input; choose another output file\n", r.err());
        // Through a link, or spelled another way, it is the same file.
        r = Cli.run(withSimulate(args("--out", link.toString())));
        assertEquals("error: --out " + link + " is the --neuron-types file " + types + ": writing the output would "
                + "destroy an input; choose another output file\n", r.err());
        Path dotted = Files.createDirectories(dir.resolve("dotted")).resolve("..").resolve("connectome.npz");
        r = Cli.run(withSimulate(args("--out", dotted.toString())));
        assertTrue(r.err().startsWith("error: --out " + dotted + " is the --connectome file "), r.err());
        assertArrayEquals(inputBytes, Files.readAllBytes(input));
        assertArrayEquals(typesBytes, Files.readAllBytes(types));
    }

    @Test
    void outputsGetTheUmaskPermissions() throws IOException {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path o = out("permissions.npy");
        Cli.Result r = Cli.run(withSimulate(args("--out", o.toString())));
        assertEquals(0, r.code(), r::toString);
        Path reference = Files.createFile(out("permission-reference"));
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(reference)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(o)));
    }

    @Test
    void anEdgeListFarSparserThanItsLargestIndexNeedsTheNeuronCount() throws IOException {
        // Two synapses among 12 neurons: the file alone cannot say that there are 12.
        CsrMatrix sparse = CsrMatrix.fromCoo(12, 12, new int[] {1, 11}, new int[] {0, 2}, new double[] {0.8, 1.3});
        Path csv = dir.resolve("sparse.csv");
        EdgeListCsv.write(csv, sparse);
        Path npz = dir.resolve("sparse.npz");
        ScipySparseNpz.write(npz, sparse, true);
        Path indices = dir.resolve("sparse-indices.npy");
        Npy.write(indices, NpyArray.ofInt32(new int[] {5, 0, 11, 5}, 4));
        List<String> minimal = List.of("--input-indices", indices.toString(), "--input",
                dir.resolve("input.npy").toString(), "--dtype", "float64");

        List<String> a = new ArrayList<>(List.of("simulate", "--connectome", csv.toString(), "--out",
                out("sparse-none.npy").toString()));
        a.addAll(minimal);
        Cli.Result r = Cli.run(a);
        assertEquals(2, r.code(), r::toString);
        assertEquals("error: --connectome " + csv + ": the largest neuron index is 11 but there are only 2 edges, "
                + "which name at most 4 neurons, so the file does not say how many neurons there are: give their "
                + "number with --neurons N (or --neuron-types or --input-projection, whose lengths count the "
                + "neurons)\n", r.err());

        a.addAll(List.of("--neurons", "12"));
        a.set(a.indexOf("--out") + 1, out("sparse-csv.npy").toString());
        assertEquals(0, Cli.run(a).code());
        a.set(a.indexOf("--connectome") + 1, npz.toString());
        a.set(a.indexOf("--out") + 1, out("sparse-npz.npy").toString());
        assertEquals(0, Cli.run(a).code());
        assertArrayEquals(Cli.readStates(out("sparse-npz.npy"), "<f8", 2, 12, 20),
                Cli.readStates(out("sparse-csv.npy"), "<f8", 2, 12, 20), 0.0);

        Path stray = dir.resolve("stray-index.csv");
        Files.write(stray, List.of("post,pre,weight", "0,1,0.5", "1,100000000,1", "2,0,1"));
        a = new ArrayList<>(List.of("simulate", "--connectome", stray.toString(), "--out",
                out("stray.npy").toString()));
        a.addAll(minimal);
        r = Cli.run(a);
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().startsWith("error: --connectome " + stray + ": the largest neuron index is 100000000 but "
                + "there are only 3 edges, which name at most 6 neurons"), r.err());
    }

    @Test
    void anOutputThatIsAPipeIsRefusedBeforeTheWork() throws IOException, InterruptedException {
        Path fifo = dir.resolve("pipe.npy");
        Files.deleteIfExists(fifo);
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo");
        Cli.Result r = Cli.run(withSimulate(args("--out", fifo.toString())));
        assertEquals(2, r.code(), r::toString);
        assertEquals("error: --out " + fifo + ": is not a regular file (a device or pipe), expected a file name\n",
                r.err());
        assertFalse(Files.isRegularFile(fifo), "the pipe is still a pipe");
    }

    @Test
    void anOutputInsideAFileIsRefusedBeforeTheWork() {
        Path o = dir.resolve("types.npy").resolve("out.npy");
        Cli.Result r = Cli.run(withSimulate(args("--out", o.toString())));
        assertEquals(2, r.code(), r::toString);
        assertEquals("error: --out " + o + ": " + dir.resolve("types.npy") + " is not a directory\n", r.err());
    }

    @Test
    void missingOutputDirectoryIsReportedBeforeTheWork() {
        Path o = dir.resolve("no-such-dir").resolve("out.npy");
        Cli.Result r = Cli.run(withSimulate(args("--out", o.toString())));
        assertEquals(2, r.code(), r::toString);
        assertEquals("error: --out " + o + ": the directory " + o.getParent() + " does not exist\n", r.err());
    }

    @Test
    void helpListsTheOptions() {
        Cli.Result r = Cli.run("simulate", "--help");
        assertEquals(0, r.code());
        for (String option : List.of("--connectome", "--transpose", "--negative-weights", "--neuron-types",
                "--type-classes", "--type-tau", "--type-nonlinearity", "--all-excitatory", "--input-projection",
                "--input-indices", "--bias", "--input", "--t-start", "--t-end", "--num-steps", "--solver", "--atol",
                "--rtol", "--max-steps", "--no-breakpoints", "--steps-per-interval", "--dtype", "--threads", "--out",
                "rows = receiving (postsynaptic) neuron", "Exit codes")) {
            assertTrue(r.out().contains(option), option);
        }
    }
}
