package org.dl4jconnectome.samples;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.NegativeWeightPolicy;
import org.dl4jconnectome.connectome.NeuronClass;
import org.dl4jconnectome.connectome.NeuronTypes;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.io.Npy;
import org.dl4jconnectome.io.NpyArray;
import org.dl4jconnectome.kernels.Parallel;
import org.dl4jconnectome.model.ConnectomeSimulator;
import org.dl4jconnectome.model.Simulation;
import org.dl4jconnectome.ode.RungeKuttaMethod;
import org.dl4jconnectome.ode.SolverSpec;
import org.dl4jconnectome.ode.SolverStats;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;

/** {@code connectome simulate}: solves a typed connectome for a batch of inputs and writes the states as .npy. */
@Command(name = "simulate", sortOptions = false,
        description = {
            "Simulates a connectome-constrained ODE-RNN with neuron types for a batch of inputs and writes the "
                    + "neuron states at linspace(t-start, t-end, num-steps) to a .npy file [B, N, num-steps].",
            "",
            "Model: tau_i dh_i/dt = -h_i + ReLU(phi_type(i)(sum_j A_ij s_j h_j + sum_k U_ik x_k(t) + b_i)), "
                    + "h(t-start) = 0, where A is the connectome (rows = receiving neuron), s_j = +1 or -1 by the "
                    + "class of the presynaptic neuron's type (Dale's law), U the input projection and b the bias. "
                    + "A [B, I, T] input is piecewise constant on T equal bins of [t-start, t-end].",
            ""},
        footer = {
            "",
            "Connectome orientation: rows = receiving (postsynaptic) neuron, so that the recurrent drive is A @ h; "
                    + "use --transpose for pre-by-post files ('connectome info' shows in- and out-degrees). A .csv "
                    + "edge list names its columns (post,pre,weight or pre,post,weight). bioplnn's .pt connectome "
                    + "files (torch.save of a sparse COO tensor) are read without Python.",
            "",
            "On a terminal, runs longer than a few seconds show a progress bar on stderr. At the end one summary "
                    + "line goes to stdout: neurons, synapses, types, batch, accepted and rejected steps (the most "
                    + "of any sample), vector-field evaluations (calls on the whole batch), wall time and the output.",
            "",
            "Exit codes: 0 done; 1 the simulation or writing the output failed; 2 bad arguments or input files."})
final class SimulateCommand implements Callable<Integer> {
    private static final Map<String, NegativeWeightPolicy> POLICIES = Map.of("reject", NegativeWeightPolicy.REJECT,
            "abs", NegativeWeightPolicy.ABS, "clamp", NegativeWeightPolicy.CLAMP_TO_ZERO,
            "signed", NegativeWeightPolicy.SIGNED_EDGES);
    private static final List<String> SOLVERS = List.of("adaptive", "fixed", "dopri5-adaptive", "dopri5-fixed");
    private static final List<String> METHODS = RungeKuttaMethod.values().stream().map(RungeKuttaMethod::name)
            .toList();
    private static final List<String> DTYPES = List.of("float32", "float64");
    /** The largest element data of an io.NpyArray (one Java byte array). */
    private static final long MAX_OUTPUT_BYTES = Integer.MAX_VALUE - 8;
    /** Steps of a fixed-step schedule are held in Java arrays, with room left for the input's bin edges. */
    private static final long MAX_FIXED_STEPS = (Integer.MAX_VALUE - 8) / 2;

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--connectome", required = true, paramLabel = "FILE", order = 1,
            description = "The synapse matrix: " + InputFiles.SPARSE_FORMATS + ". Rows = receiving neuron.")
    Path connectome;

    @Option(names = "--transpose", order = 2,
            description = "The --connectome file is pre-by-post (rows = sending neuron): transpose it.")
    boolean transpose;

    @Option(names = "--neurons", paramLabel = "N", order = 2,
            description = "The number of neurons. A .csv edge list needs it (or --neuron-types or "
                    + "--input-projection, whose lengths count the neurons) when its largest index is above twice "
                    + "its number of edges; for other files it must match. Default: from the files.")
    Integer neurons;

    @Option(names = "--negative-weights", paramLabel = "POLICY", defaultValue = "reject", order = 3,
            description = "What negative connectome values mean: reject (an error), abs (use |w|, sign from the "
                    + "type class), clamp (set to 0, as bioplnn does silently) or signed (each synapse keeps its "
                    + "own sign; no --type-classes). Default: ${DEFAULT-VALUE}.")
    String negativeWeights;

    @Option(names = "--neuron-types", paramLabel = "FILE", order = 4,
            description = "Integer .npy (or dense .pt) array: the type id 0..K-1 of every neuron. Default: one type.")
    Path neuronTypes;

    @Option(names = "--type-classes", paramLabel = "CLASS", split = ",", order = 5,
            description = "Per type, excitatory or inhibitory (comma list, K entries). Default: all excitatory.")
    List<String> typeClasses;

    @Option(names = "--type-tau", paramLabel = "TAU", split = ",", order = 6,
            description = "Per type, the time constant tau > 0 (comma list, K entries). Default: 1.0.")
    List<Double> typeTau;

    @Option(names = "--type-nonlinearity", paramLabel = "PHI", split = ",", order = 7,
            description = "Per type, sigmoid, tanh, relu, softplus, identity, elu or silu (comma list, K entries; "
                    + "a single value applies to all types). Default: sigmoid.")
    List<String> typeNonlinearity;

    @Option(names = "--all-excitatory", order = 8,
            description = "Ignore synapse signs (bioplnn's tutorial-era behaviour): every s_j = +1.")
    boolean allExcitatory;

    @ArgGroup(exclusive = true, multiplicity = "1", order = 9)
    InputMapping inputMapping;

    /** How input features reach neurons: one of the two options. */
    static final class InputMapping {
        @Option(names = "--input-projection", paramLabel = "FILE", required = true, order = 9,
                description = "The sparse N x I input projection U: .npz (scipy.sparse.save_npz) or .pt (torch "
                        + "sparse COO tensor); rows = neurons, columns = input features.")
        Path projection;

        @Option(names = "--input-indices", paramLabel = "FILE", required = true, order = 10,
                description = "Integer .npy (or dense .pt) array idx of length I: input feature k drives neuron "
                        + "idx[k] with weight 1 (instead of --input-projection).")
        Path indices;
    }

    @Option(names = "--bias", paramLabel = "FILE", order = 11,
            description = "Bias b per neuron, a .npy array of length N. Default: zeros.")
    Path bias;

    @Option(names = "--input", required = true, paramLabel = "FILE", order = 12,
            description = "The input, a .npy array [B, I] (constant in time) or [B, I, T] (piecewise constant).")
    Path input;

    @Option(names = "--t-start", paramLabel = "X", defaultValue = "0", order = 13,
            description = "Start time. Default: ${DEFAULT-VALUE}.")
    double tStart;

    @Option(names = "--t-end", paramLabel = "X", defaultValue = "1", order = 14,
            description = "End time (> --t-start). Default: ${DEFAULT-VALUE}.")
    double tEnd;

    @Option(names = "--num-steps", paramLabel = "N", defaultValue = "20", order = 15,
            description = "Output time points, t-start and t-end included (>= 2). Default: ${DEFAULT-VALUE}.")
    int numSteps;

    @Option(names = "--solver", paramLabel = "NAME", defaultValue = "adaptive", order = 16,
            description = "adaptive (error control, steps end on the input's bin edges) or fixed (fixed steps); "
                    + "dopri5-adaptive and dopri5-fixed also name --method dopri5. Default: ${DEFAULT-VALUE}.")
    String solver;

    @Option(names = "--method", paramLabel = "NAME", defaultValue = "dopri5", order = 16,
            description = "Runge-Kutta method: dopri5 (Dormand-Prince 5(4), bioplnn's) or tsit5 (Tsitouras 5(4)). "
                    + "Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--atol", paramLabel = "X", defaultValue = "1e-6", order = 17,
            description = "Absolute tolerance of the adaptive solver. Default: ${DEFAULT-VALUE}.")
    double atol;

    @Option(names = "--rtol", paramLabel = "X", defaultValue = "1e-3", order = 18,
            description = "Relative tolerance of the adaptive solver. Default: ${DEFAULT-VALUE}.")
    double rtol;

    @Option(names = "--max-steps", paramLabel = "N", defaultValue = "100000", order = 19,
            description = "Step budget (accepted and rejected) per sample of the adaptive solver; exceeding it is an "
                    + "error. Default: ${DEFAULT-VALUE}.")
    int maxSteps;

    @Option(names = "--no-breakpoints", order = 20,
            description = "Let adaptive steps straddle the input's bin edges, as torchode does (to compare "
                    + "with it); by default steps end on the edges.")
    boolean noBreakpoints;

    @Option(names = "--steps-per-interval", paramLabel = "K", defaultValue = "1", order = 21,
            description = "Fixed steps between consecutive output times (a step crossing an input bin edge "
                    + "is split there). Default: ${DEFAULT-VALUE}.")
    int stepsPerInterval;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "float32", order = 22,
            description = "float32 (single-precision sparse products, float32 output) or float64. "
                    + "Default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--threads", paramLabel = "N", order = 23,
            description = "Threads of the sparse kernels, at most " + Parallel.PER_PROCESSOR
                    + " per processor. Default: the number of processors.")
    Integer threads;

    @Option(names = "--out", required = true, paramLabel = "FILE", order = 24,
            description = "Output .npy file: the states [B, N, num-steps] in --dtype (replaced if it exists; it "
                    + "may not be one of the input files).")
    Path out;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        SolverSpec settings = solverSettings();
        boolean single = choice("--dtype", dtype, DTYPES).equals("float32");
        NegativeWeightPolicy policy = policy();
        checkTimes();
        InputFiles.checkNeurons(neurons);
        checkOutput();
        KernelThreads.apply(threads);

        int[] typeIds = neuronTypes == null ? null : InputFiles.readIndices("--neuron-types", neuronTypes);
        CsrMatrix projection = inputMapping.projection == null ? null : projection();
        CsrMatrix synapses = InputFiles.readConnectome("--connectome", connectome, neuronCount(typeIds, projection),
                transpose);
        Connectome c = connectome(synapses, typeIds, policy);
        int n = c.numNeurons();
        InputProjection u = inputProjection(projection, n);
        double[] b = bias == null ? null : bias(n);
        Input x = input(u.numInputs());
        checkOutputSize(x.batch(), n, single);

        Simulation s;
        try (ProgressBar bar = ProgressBar.onTerminal(spec.commandLine().getErr(), "simulate")) {
            ConnectomeSimulator sim = ConnectomeSimulator.builder().connectome(c).inputProjection(u).bias(b)
                    .allExcitatory(allExcitatory).singlePrecision(single).build();
            s = sim.simulate(x.values(), x.batch(), x.segments(), tStart, tEnd, numSteps, settings, bar::update);
            write(s, single);
        } catch (IllegalArgumentException e) {
            // The library refuses arguments it cannot use (e.g. fixed steps unstable for the smallest tau).
            throw CliError.usage(e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw CliError.failure("the simulation failed: " + e.getMessage() + (settings.isAdaptive()
                    ? " (--max-steps " + maxSteps + ", --atol " + atol + ", --rtol " + rtol + ")" : ""), e);
        } catch (OutOfMemoryError e) {
            throw CliError.failure("out of memory for " + x.batch() + " samples x " + n + " neurons x " + numSteps
                    + " time points: give Java more memory (java -Xmx...) or use a smaller batch or fewer --num-steps",
                    e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        spec.commandLine().getOut().println(summary(c, s, seconds));
        return 0;
    }

    private SolverSpec solverSettings() {
        String kind = choice("--solver", solver, SOLVERS);
        boolean adaptive = kind.endsWith("adaptive");
        RungeKuttaMethod m = RungeKuttaMethod.named(choice("--method", method, METHODS));
        if (kind.startsWith("dopri5-") && m != RungeKuttaMethod.DOPRI5) {
            throw CliError.usage("--solver " + solver + " names the dopri5 method, but --method is " + method
                    + ": use --solver " + kind.substring("dopri5-".length()) + " --method " + method);
        }
        for (String option : adaptive ? List.of("--steps-per-interval")
                : List.of("--atol", "--rtol", "--max-steps", "--no-breakpoints")) {
            if (given(option)) {
                throw CliError.usage(option + " applies to --solver " + (adaptive ? "fixed" : "adaptive")
                        + " only, but the solver is " + solver);
            }
        }
        if (!adaptive) {
            if (stepsPerInterval < 1) {
                throw CliError.usage("--steps-per-interval " + stepsPerInterval + ": expected at least 1");
            }
            long steps = (long) stepsPerInterval * Math.max(numSteps - 1, 1);
            if (steps > MAX_FIXED_STEPS) {
                throw CliError.usage("--steps-per-interval " + stepsPerInterval + " with --num-steps " + numSteps
                        + ": " + steps + " steps, more than the " + MAX_FIXED_STEPS + " a schedule can hold");
            }
            return SolverSpec.fixed(stepsPerInterval).withMethod(m);
        }
        // The states start at 0, where a purely relative tolerance can never be met.
        if (!(atol > 0) || !Double.isFinite(atol)) {
            throw CliError.usage("--atol " + atol + ": expected a finite tolerance > 0 (the states start at 0, "
                    + "where a purely relative tolerance cannot be met)");
        }
        checkTolerance("--rtol", rtol);
        if (maxSteps < 1) {
            throw CliError.usage("--max-steps " + maxSteps + ": expected at least 1");
        }
        return SolverSpec.adaptive(atol, rtol).withMethod(m).withMaxSteps(maxSteps).withBreakpoints(!noBreakpoints);
    }

    private static void checkTolerance(String option, double value) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw CliError.usage(option + " " + value + ": expected a finite tolerance >= 0");
        }
    }

    private boolean given(String option) {
        ParseResult parsed = spec.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption(option);
    }

    private static String choice(String option, String value, List<String> choices) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (!choices.contains(v)) {
            throw CliError.usage(option + " '" + value + "': expected one of " + String.join(", ", choices));
        }
        return v;
    }

    private NegativeWeightPolicy policy() {
        String v = choice("--negative-weights", negativeWeights, List.of("reject", "abs", "clamp", "signed"));
        if (v.equals("signed") && typeClasses != null) {
            throw CliError.usage("--type-classes does not apply with --negative-weights signed: every synapse "
                    + "carries its own sign");
        }
        return POLICIES.get(v);
    }

    private void checkTimes() {
        if (!Double.isFinite(tStart) || !Double.isFinite(tEnd) || !(tEnd > tStart)) {
            throw CliError.usage("--t-start " + tStart + " and --t-end " + tEnd
                    + ": expected finite times with t-start < t-end");
        }
        if (!Double.isFinite(tEnd - tStart)) {
            throw CliError.usage("--t-start " + tStart + " and --t-end " + tEnd + ": the length of the time span "
                    + "overflows a double: expected a span below " + Double.MAX_VALUE);
        }
        if (numSteps < 2) {
            throw CliError.usage("--num-steps " + numSteps + ": expected at least 2 (t-start and t-end)");
        }
    }

    /** Fails before the work if the output cannot be written or would overwrite an input. */
    private void checkOutput() {
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("--connectome", connectome);
        inputs.put("--neuron-types", neuronTypes);
        inputs.put("--input-projection", inputMapping.projection);
        inputs.put("--input-indices", inputMapping.indices);
        inputs.put("--bias", bias);
        inputs.put("--input", input);
        OutputPaths.checkFile("--out", out, inputs);
    }

    /** An edge list does not say how many neurons lie above its largest index; the options and other files do. */
    private InputFiles.NeuronCount neuronCount(int[] typeIds, CsrMatrix projection) {
        if (neurons != null) {
            return new InputFiles.NeuronCount(neurons, "--neurons", null);
        }
        if (typeIds != null) {
            return new InputFiles.NeuronCount(typeIds.length, "--neuron-types", null);
        }
        if (projection != null) {
            return new InputFiles.NeuronCount(projection.rows(), "--input-projection", null);
        }
        return InputFiles.NeuronCount.unknown("--neurons N (or --neuron-types or --input-projection, whose lengths "
                + "count the neurons)");
    }

    private Connectome connectome(CsrMatrix synapses, int[] typeIds, NegativeWeightPolicy policy) {
        int n = synapses.rows();
        if (policy == NegativeWeightPolicy.REJECT) {
            rejectNegative(synapses);
        }
        Connectome.Builder builder = Connectome.builder().synapses(synapses).negativeWeights(policy);
        int k = 1;
        String types = "no --neuron-types, so every neuron has type 0";
        if (typeIds != null) {
            if (typeIds.length != n) {
                throw CliError.usage("--neuron-types " + neuronTypes + ": " + typeIds.length + " type ids, but "
                        + "--connectome has " + n + " neurons: expected one type id per neuron");
            }
            k = InputFiles.numTypes("--neuron-types", neuronTypes, typeIds, n);
            builder.neuronTypes(NeuronTypes.fromTypeIds(typeIds, k));
            types = "--neuron-types has type ids 0.." + (k - 1);
        }
        if (typeClasses != null) {
            checkLength("--type-classes", typeClasses, k, types);
            NeuronClass[] classes = new NeuronClass[k];
            for (int t = 0; t < k; t++) {
                classes[t] = parse("--type-classes", typeClasses, t, NeuronClass::parse);
            }
            builder.typeClasses(classes);
        }
        if (typeTau != null) {
            checkLength("--type-tau", typeTau, k, types);
            double[] tau = new double[k];
            for (int t = 0; t < k; t++) {
                tau[t] = typeTau.get(t);
                if (!(tau[t] > 0) || !Double.isFinite(tau[t])) {
                    throw CliError.usage("--type-tau " + join(typeTau) + ": entry " + (t + 1) + " is " + tau[t]
                            + ": expected a finite time constant > 0");
                }
            }
            builder.typeTau(tau);
        }
        if (typeNonlinearity != null) {
            if (typeNonlinearity.size() != 1) {
                checkLength("--type-nonlinearity", typeNonlinearity, k, types + "; or a single value for all");
            }
            Nonlinearity[] phi = new Nonlinearity[typeNonlinearity.size()];
            for (int t = 0; t < phi.length; t++) {
                phi[t] = parse("--type-nonlinearity", typeNonlinearity, t, Nonlinearity::parse);
            }
            builder.typeNonlinearity(phi);
        }
        return builder.build();
    }

    private void rejectNegative(CsrMatrix synapses) {
        double[] v = synapses.values();
        for (int e = 0; e < v.length; e++) {
            if (v[e] < 0) {
                int[] rows = synapses.rowIndices();
                int[] cols = synapses.columnIndices();
                long negative = Arrays.stream(v).filter(w -> w < 0).count();
                throw CliError.usage("--connectome " + connectome + ": " + negative + " negative value"
                        + (negative == 1 ? "" : "s") + " (the first: " + v[e] + " from neuron " + cols[e]
                        + " to neuron " + rows[e] + "): expected magnitudes >= 0; choose --negative-weights abs, "
                        + "clamp or signed to accept signed data");
            }
        }
    }

    private static void checkLength(String option, List<?> list, int k, String types) {
        if (list.size() != k) {
            throw CliError.usage(option + " " + join(list) + ": " + list.size() + (list.size() == 1 ? " entry"
                    : " entries") + ", expected one per neuron type (" + k + ": " + types + ")");
        }
    }

    private static <T> T parse(String option, List<String> list, int index, Function<String, T> parser) {
        try {
            return parser.apply(list.get(index));
        } catch (IllegalArgumentException e) {
            throw CliError.usage(option + " " + join(list) + ": " + e.getMessage(), e);
        }
    }

    private static String join(List<?> list) {
        return list.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private CsrMatrix projection() {
        Path file = inputMapping.projection;
        if (InputFiles.SparseFormat.of("--input-projection", file) == InputFiles.SparseFormat.CSV) {
            throw CliError.usage("--input-projection " + file + ": an edge list cannot hold an N x I matrix: "
                    + "expected .npz (scipy.sparse.save_npz) or .pt (torch.save of a sparse COO tensor)");
        }
        return InputFiles.readSparse("--input-projection", file);
    }

    private InputProjection inputProjection(CsrMatrix projection, int n) {
        if (projection != null) {
            if (projection.rows() != n || projection.cols() < 1) {
                throw CliError.usage("--input-projection " + inputMapping.projection + ": the matrix is "
                        + projection.rows() + " x " + projection.cols() + ": expected N x I with one row per neuron "
                        + "(N = " + n + ") and I >= 1");
            }
            return InputProjection.of(projection);
        }
        int[] idx = InputFiles.readIndices("--input-indices", inputMapping.indices);
        try {
            return InputProjection.identity(idx, n);
        } catch (IllegalArgumentException e) {
            throw CliError.usage("--input-indices " + inputMapping.indices + ": " + e.getMessage(), e);
        }
    }

    private double[] bias(int n) {
        NpyArray a = InputFiles.readArray("--bias", bias, false);
        if (a.ndim() != 1 || a.size() != n) {
            throw CliError.usage("--bias " + bias + ": shape " + Arrays.toString(a.shape()) + ": expected [" + n
                    + "], one value per neuron");
        }
        double[] v = a.toDoubleArray();
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(v[i])) {
                throw CliError.usage("--bias " + bias + ": entry " + i + " is " + v[i] + ": expected finite values");
            }
        }
        return v;
    }

    /** The input in C order [B, I, T] and its dimensions. */
    private record Input(double[] values, int batch, int segments) {
    }

    private Input input(int inputs) {
        NpyArray a = InputFiles.readArray("--input", input, false);
        long[] s = a.shape();
        String expected = "expected [B, " + inputs + "] or [B, " + inputs + ", T] (I = " + inputs + " from "
                + (inputMapping.projection != null ? "--input-projection" : "--input-indices") + ")";
        if (s.length < 2 || s.length > 3 || s[1] != inputs || s[0] < 1 || s.length == 3 && s[2] < 1) {
            throw CliError.usage("--input " + input + ": shape " + Arrays.toString(s) + ": " + expected);
        }
        double[] v = a.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw CliError.usage("--input " + input + ": element " + i + " is " + v[i]
                        + ": expected finite values");
            }
        }
        return new Input(v, (int) s[0], s.length == 3 ? (int) s[2] : 1);
    }

    /** A .npy array is held in one Java array here, so the output is limited to about 2 GiB. */
    private void checkOutputSize(int batch, int n, boolean single) {
        long bytes = (long) batch * n * numSteps * (single ? Float.BYTES : Double.BYTES);
        if (bytes > MAX_OUTPUT_BYTES) {
            throw CliError.usage("--num-steps " + numSteps + ": the output [" + batch + ", " + n + ", " + numSteps
                    + "] needs " + bytes + " bytes as " + (single ? "float32" : "float64") + ", more than a .npy "
                    + "file written here can hold (" + MAX_OUTPUT_BYTES + "): use fewer --num-steps or split the "
                    + "batch");
        }
    }

    private void write(Simulation s, boolean single) {
        long[] shape = {s.batch(), s.neurons(), s.numPoints()};
        NpyArray array = single ? NpyArray.ofFloat32(s.toFloatArray(), shape)
                : NpyArray.ofFloat64(s.toArray(), shape);
        try {
            Npy.write(out, array);
        } catch (IOException e) {
            throw CliError.failure("--out " + out + ": cannot write the output: " + e.getMessage(), e);
        }
    }

    private String summary(Connectome c, Simulation s, double seconds) {
        SolverStats st = s.stats();
        int rejected = st.maxRejectedSteps();
        return String.format(Locale.ROOT, "neurons=%d synapses=%d types=%d batch=%d steps=%d rejected=%d "
                        + "evaluations=%d time=%.2fs out=%s", c.numNeurons(), c.numSynapses(), c.numTypes(),
                s.batch(), st.maxAcceptedSteps(), rejected, st.evaluationCalls(), seconds, out);
    }
}
