package org.dl4jconnectome.samples;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.NegativeWeightPolicy;
import org.dl4jconnectome.connectome.NeuronTypes;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.datasets.SyntheticConnectome;
import org.dl4jconnectome.io.Npy;
import org.dl4jconnectome.io.NpyArray;
import org.dl4jconnectome.io.ScipySparseNpz;
import org.dl4jconnectome.kernels.BlockedCsr;
import org.dl4jconnectome.kernels.Parallel;
import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.layer.ConnectomeOdeRuntimeLayer;
import org.dl4jconnectome.model.ConnectomeSimulator;
import org.dl4jconnectome.model.Simulation;
import org.dl4jconnectome.ode.RungeKuttaMethod;
import org.dl4jconnectome.ode.SolverSpec;
import org.dl4jconnectome.ode.SolverStats;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code bench}: times the sparse kernels, the layer's forward pass (fixed and adaptive steps), the simulator's
 * solve of the same problem and a training step on a seeded random typed connectome, printing one JSON object per
 * line. {@code --export DIR} writes the workload for {@code benchmarks/peers.py}; {@code --data DIR} runs on such a
 * workload.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time spmm, spmm_transpose, forward, adaptive_forward, simulate, fit_step (and methods, "
                + "save_load); one JSON object per line.")
final class BenchCommand implements Callable<Integer> {
    private static final int INPUTS = 784;
    private static final java.util.List<String> OPS = java.util.List.of("spmm", "spmm_transpose", "forward",
            "adaptive_forward", "simulate", "adaptive_simulate", "fit_step", "methods", "save_load");
    private static final java.util.List<String> METHODS = RungeKuttaMethod.values().stream()
            .map(RungeKuttaMethod::name).collect(java.util.stream.Collectors.toList());
    /** Untimed products before the timed ones: enough for the JIT to compile the kernels at any size. */
    private static final int PRODUCT_WARMUP = 200;
    /** The largest Java array, which bounds synapses and outputs. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** Steps of a fixed-step schedule are held in Java arrays. */
    private static final long MAX_STEPS = (Integer.MAX_VALUE - 8) / 2;

    @Option(names = "--neurons", description = "Neurons N (default ${DEFAULT-VALUE}).")
    int neurons = SyntheticConnectome.TUTORIAL_NEURONS;

    @Option(names = "--synapses", description = "Synapses (default ${DEFAULT-VALUE}).")
    long synapses = SyntheticConnectome.TUTORIAL_SYNAPSES;

    @Option(names = "--batch", description = "Batch size B (default ${DEFAULT-VALUE}).")
    int batch = 8;

    @Option(names = "--num-steps", description = "Evaluation points over [0, 1] (default ${DEFAULT-VALUE}).")
    int numSteps = 20;

    @Option(names = "--steps-per-interval", description = "Dopri5 steps per interval (default ${DEFAULT-VALUE}).")
    int stepsPerInterval = 1;

    @Option(names = "--repeat", description = "Timed repetitions per measurement (default ${DEFAULT-VALUE}).")
    int repeat = 5;

    @Option(names = "--threads", description = "Kernel threads, at most " + Parallel.PER_PROCESSOR
            + " per processor (default: available processors).")
    Integer threads;

    @Option(names = "--seed", description = "Seed of the random connectome (default ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--dtype", description = "float32 or float64 (default ${DEFAULT-VALUE}).")
    String dtype = "float32";

    @Option(names = "--fit-steps", description = "Run this many consecutive fit steps and report resident memory "
            + "at ten checkpoints (0: skip; default ${DEFAULT-VALUE}).")
    int fitSteps = 0;

    @Option(names = "--types", description = "Neuron types of the random connectome (default ${DEFAULT-VALUE}).")
    int types = 2;

    @Option(names = "--method", description = "Runge-Kutta method: dopri5 or tsit5 (default ${DEFAULT-VALUE}).")
    String method = "dopri5";

    @Option(names = "--checkpoint-every", description = "fit_step keeps every k-th step of the reverse pass's tape "
            + "and recomputes the rest (0: keep every step; default ${DEFAULT-VALUE}).")
    int checkpointEvery = 0;

    @Option(names = "--atol", description = "Absolute tolerance of the adaptive ops (default ${DEFAULT-VALUE}).")
    double atol = SolverSpec.DEFAULT_ATOL;

    @Option(names = "--rtol", description = "Relative tolerance of the adaptive ops (default ${DEFAULT-VALUE}).")
    double rtol = SolverSpec.DEFAULT_RTOL;

    @Option(names = "--ops", split = ",", description = "Measurements to run (default: "
            + "spmm,spmm_transpose,forward,adaptive_forward,simulate,fit_step; also adaptive_simulate, methods: "
            + "function evaluations and error of every method, fixed and adaptive, against a tight float64 "
            + "solve; save_load: ModelSerializer round trip).")
    String[] ops = {"spmm", "spmm_transpose", "forward", "adaptive_forward", "simulate", "fit_step"};

    @Option(names = "--export", description = "Write the workload (and the Java forward output) to this folder, "
            + "for benchmarks/peers.py.")
    Path export;

    @Option(names = "--data", description = "Run on a workload written by --export or benchmarks/make_workload.py.")
    Path data;

    @Spec
    CommandSpec spec;

    /** A workload: the connectome with per-neuron τ and bias, the input projection and a constant input. */
    private static final class Workload {
        Connectome connectome;
        InputProjection projection;
        double[] bias;
        double[] tau;
        float[] x;
        int batch;
    }

    @Override
    public Integer call() throws IOException {
        DataType type = validate();
        KernelThreads.apply(threads);
        Workload w;
        if (data == null) {
            w = generate();
        } else {
            try {
                w = load(data);
            } catch (IOException | IllegalArgumentException e) {
                throw CliError.usage("--data " + data + ": " + e.getMessage(), e);
            }
        }
        if (export != null) {
            write(w, export);
        }
        try {
            run(w, type);
        } catch (OutOfMemoryError e) {
            throw CliError.failure("out of memory for " + w.connectome.numNeurons() + " neurons, "
                    + w.connectome.numSynapses() + " synapses and batch " + w.batch + ": give Java more memory "
                    + "(java -Xmx...) or choose a smaller workload", e);
        }
        return 0;
    }

    /** Checks every option before anything is built, so that a bad one is a usage error; returns the data type. */
    private DataType validate() {
        check(repeat >= 1, "--repeat", repeat, "at least 1");
        check(fitSteps >= 0, "--fit-steps", fitSteps, "0 (skip) or more");
        check(numSteps >= 2, "--num-steps", numSteps, "at least 2 evaluation points");
        check(stepsPerInterval >= 1, "--steps-per-interval", stepsPerInterval, "at least 1");
        check(checkpointEvery >= 0, "--checkpoint-every", checkpointEvery, "0 (keep every step) or more");
        check(Double.isFinite(atol) && atol > 0, "--atol", atol, "a finite number > 0");
        check(Double.isFinite(rtol) && rtol >= 0, "--rtol", rtol, "a finite number >= 0");
        check(METHODS.contains(method), "--method", method, "one of " + String.join(", ", METHODS));
        long steps = (long) stepsPerInterval * (numSteps - 1);
        check(steps <= MAX_STEPS, "--steps-per-interval", stepsPerInterval, "at most " + MAX_STEPS / (numSteps - 1)
                + " with --num-steps " + numSteps + " (a schedule holds at most " + MAX_STEPS + " steps)");
        DataType type = parseType(dtype);
        if (ops.length == 0) {
            throw CliError.usage("--ops: no measurement given, expected some of " + String.join(",", OPS));
        }
        for (String op : ops) {
            if (!OPS.contains(op)) {
                throw CliError.usage("--ops: unknown measurement '" + op + "', expected one of "
                        + String.join(", ", OPS));
            }
        }
        if (data != null) {
            for (String option : new String[] {"--neurons", "--synapses", "--batch", "--seed", "--types"}) {
                if (given(option)) {
                    throw CliError.usage(option + " does not apply with --data: the workload in " + data
                            + " fixes it");
                }
            }
            if (!Files.isDirectory(data)) {
                throw CliError.usage("--data " + data + ": " + (Files.exists(data) ? "is a file" : "no such directory")
                        + ", expected a directory written by --export or benchmarks/make_workload.py");
            }
        } else {
            check(neurons >= 2 && neurons <= CsrMatrix.MAX_DIMENSION, "--neurons", neurons,
                    "2.." + CsrMatrix.MAX_DIMENSION);
            long maxSynapses = Math.min((long) neurons * neurons, MAX_ARRAY);
            check(synapses >= 1 && synapses <= maxSynapses, "--synapses", synapses, "1.." + maxSynapses
                    + " (at most neurons^2 distinct pairs, and an array's capacity)");
            check(batch >= 1, "--batch", batch, "at least 1");
            check(types >= 1 && types <= neurons, "--types", types, "1.." + neurons);
            long outputs = (long) batch * neurons * numSteps;
            check(outputs <= MAX_ARRAY, "--batch", batch, "an output [batch, neurons, num-steps] of at most "
                    + MAX_ARRAY + " elements (it is " + outputs + ")");
            // What the workload holds at the least: the synapses (indices, values, float copies) and the outputs.
            long bytes = 24L * synapses + 8L * outputs;
            long heap = Runtime.getRuntime().maxMemory();
            if (bytes > heap) {
                throw CliError.usage(String.format(Locale.ROOT, "--neurons %d --synapses %d --batch %d: the workload "
                        + "needs at least %.1f GB, more than the Java heap (%.1f GB; java -Xmx sets it)", neurons,
                        synapses, batch, bytes / 1e9, heap / 1e9));
            }
        }
        if (export != null) {
            OutputPaths.checkDirectory("--export", export, data == null ? Map.of() : Map.of("--data", data));
        }
        return type;
    }

    private void check(boolean ok, String option, Object value, String expected) {
        if (!ok) {
            throw CliError.usage(option + " " + value + ": expected " + expected);
        }
    }

    private boolean given(String option) {
        ParseResult parsed = spec.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption(option);
    }

    private void run(Workload w, DataType type) throws IOException {
        Map<String, Object> common = new TreeMap<>();
        common.put("impl", "java");
        common.put("neurons", w.connectome.numNeurons());
        common.put("synapses", w.connectome.numSynapses());
        common.put("batch", w.batch);
        common.put("threads", Parallel.threads());
        common.put("dtype", dtype);
        common.put("kernels", SparseKernels.best().name());
        common.put("java", System.getProperty("java.version"));
        common.put("method", method);
        Map<String, Object> steps = Map.of("num_steps", numSteps, "steps_per_interval", stepsPerInterval);
        Map<String, Object> tolerances = Map.of("num_steps", numSteps, "atol", atol, "rtol", rtol);

        for (String op : ops) {
            switch (op) {
                case "spmm":
                case "spmm_transpose":
                    emit(common, op, timeProduct(w, op.equals("spmm_transpose"), type), Map.of());
                    break;
                case "forward":
                    emit(common, op, timeForward(w, type, false), steps);
                    break;
                case "adaptive_forward":
                    timeAdaptiveForward(w, type, common, tolerances);
                    break;
                case "simulate":
                    emit(common, op, timeSimulate(w, type, fixedSolver()), steps);
                    break;
                case "adaptive_simulate":
                    emit(common, op, timeSimulate(w, type, adaptiveSolver()), tolerances);
                    break;
                case "fit_step":
                    timeFit(w, type, common, steps);
                    break;
                case "methods":
                    compareMethods(w, common);
                    break;
                default: // save_load, the last of OPS
                    saveLoad(w, type, common);
                    break;
            }
        }
        if (fitSteps > 0) {
            fitMemory(w, type, common);
        }
    }

    private static DataType parseType(String dtype) {
        switch (dtype) {
            case "float32":
                return DataType.FLOAT;
            case "float64":
                return DataType.DOUBLE;
            default:
                throw CliError.usage("--dtype '" + dtype + "': expected float32 or float64");
        }
    }

    private Workload generate() {
        Workload w = new Workload();
        w.connectome = SyntheticConnectome.generate(neurons, synapses, types, seed);
        Random rnd = new Random(seed + 1);
        int[] target = new int[INPUTS];
        for (int k = 0; k < INPUTS; k++) {
            target[k] = rnd.nextInt(neurons);
        }
        w.projection = InputProjection.identity(target, neurons);
        w.bias = new double[neurons];
        w.tau = new double[neurons];
        for (int i = 0; i < neurons; i++) {
            w.tau[i] = w.connectome.typeTau(w.connectome.types().typeOf(i));
        }
        w.batch = batch;
        w.x = new float[batch * INPUTS];
        for (int i = 0; i < w.x.length; i++) {
            w.x[i] = rnd.nextFloat();
        }
        return w;
    }

    private void write(Workload w, Path dir) throws IOException {
        Files.createDirectories(dir);
        ScipySparseNpz.write(dir.resolve("connectome.npz"), w.connectome.signedSynapses(), false);
        ScipySparseNpz.write(dir.resolve("input_projection.npz"), w.projection.matrix(), false);
        Npy.write(dir.resolve("tau.npy"), NpyArray.ofFloat64(w.tau, w.tau.length));
        Npy.write(dir.resolve("bias.npy"), NpyArray.ofFloat64(w.bias, w.bias.length));
        Npy.write(dir.resolve("x.npy"), NpyArray.ofFloat32(w.x, w.batch, w.projection.numInputs()));
        String json = String.format(Locale.ROOT, "{\"neurons\": %d, \"synapses\": %d, \"batch\": %d, "
                        + "\"num_steps\": %d, \"steps_per_interval\": %d, \"t0\": 0.0, \"t1\": 1.0, \"dtype\": \"%s\", "
                        + "\"inputs\": %d}%n", w.connectome.numNeurons(), w.connectome.numSynapses(), w.batch,
                numSteps, stepsPerInterval, dtype, w.projection.numInputs());
        Files.write(dir.resolve("workload.json"), json.getBytes(StandardCharsets.UTF_8));
        for (boolean adaptive : new boolean[] {false, true}) {
            MultiLayerNetwork net = forwardNetwork(w, parseType(dtype), adaptive);
            INDArray out = net.output(input(w, parseType(dtype)));
            float[] values = out.castTo(DataType.FLOAT).dup('c').data().asFloat();
            Npy.write(dir.resolve(adaptive ? "java_adaptive.npy" : "java_forward.npy"),
                    NpyArray.ofFloat32(values, out.shape()));
        }
    }

    /** Reads a workload; every distinct τ becomes a neuron type so that τ per neuron is exact. */
    private static Workload load(Path dir) throws IOException {
        Workload w = new Workload();
        CsrMatrix a = ScipySparseNpz.read(dir.resolve("connectome.npz"));
        w.tau = Npy.read(dir.resolve("tau.npy")).toDoubleArray();
        w.bias = Npy.read(dir.resolve("bias.npy")).toDoubleArray();
        NpyArray x = Npy.read(dir.resolve("x.npy"));
        CsrMatrix u = ScipySparseNpz.read(dir.resolve("input_projection.npz"));
        if (a.rows() != a.cols() || w.tau.length != a.rows() || w.bias.length != a.rows() || u.rows() != a.rows()
                || x.ndim() != 2 || x.shape()[0] < 1 || x.shape()[1] != u.cols()) {
            throw new IOException("inconsistent workload: connectome " + a.rows() + " x " + a.cols() + ", "
                    + w.tau.length + " tau, " + w.bias.length + " bias, input projection " + u.rows() + " x "
                    + u.cols() + ", x " + Arrays.toString(x.shape()) + ": expected N x N, N, N, N x I and [B, I]");
        }
        w.x = x.toFloatArray();
        w.batch = (int) x.shape()[0];
        double[] distinct = Arrays.stream(w.tau).distinct().sorted().toArray();
        int[] type = new int[w.tau.length];
        for (int i = 0; i < type.length; i++) {
            type[i] = Arrays.binarySearch(distinct, w.tau[i]);
        }
        w.connectome = Connectome.builder().synapses(a).negativeWeights(NegativeWeightPolicy.SIGNED_EDGES)
                .neuronTypes(NeuronTypes.fromTypeIds(type, distinct.length)).typeTau(distinct)
                .typeNonlinearity(Nonlinearity.SIGMOID).build();
        w.projection = InputProjection.of(u);
        return w;
    }

    private double[] timeProduct(Workload w, boolean transposed, DataType type) {
        CsrMatrix a = w.connectome.signedSynapses();
        int n = a.rows();
        BlockedCsr layout = transposed
                ? BlockedCsr.transposeOf(n, n, a.rowPointers(), a.columnIndices(), BlockedCsr.DEFAULT_BLOCK_WIDTH,
                Parallel.threads())
                : BlockedCsr.of(n, n, a.rowPointers(), a.columnIndices(), BlockedCsr.DEFAULT_BLOCK_WIDTH,
                Parallel.threads());
        SparseKernels k = SparseKernels.best();
        Random rnd = new Random(3);
        int b = w.batch;
        if (type == DataType.DOUBLE) {
            double[] v = new double[a.nnz()];
            layout.toStorageOrder(a.values(), v);
            double[] x = rnd.doubles((long) n * b).toArray();
            double[] y = new double[n * b];
            return time(() -> k.multiply(layout, v, x, y, b), PRODUCT_WARMUP);
        }
        float[] v = new float[a.nnz()];
        layout.toStorageOrder(a.values(), v);
        float[] x = new float[n * b];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        float[] y = new float[n * b];
        return time(() -> k.multiply(layout, v, x, y, b), PRODUCT_WARMUP);
    }

    private SolverSpec fixedSolver() {
        return SolverSpec.fixed(stepsPerInterval).withMethod(RungeKuttaMethod.named(method))
                .withCheckpointEvery(checkpointEvery);
    }

    private SolverSpec adaptiveSolver() {
        return SolverSpec.adaptive(atol, rtol).withMethod(RungeKuttaMethod.named(method));
    }

    private ConnectomeOdeLayer.Builder layer(Workload w) {
        double tauMin = Arrays.stream(w.tau).min().orElse(1.0);
        return new ConnectomeOdeLayer.Builder().connectome(w.connectome).inputProjection(w.projection)
                .initialBias(w.bias).tauMin(Math.min(1.0, tauMin)).evaluationPoints(numSteps)
                .solver(fixedSolver()).timeSpan(0, 1);
    }

    private MultiLayerNetwork forwardNetwork(Workload w, DataType type, boolean adaptive) {
        ConnectomeOdeLayer.Builder layer = layer(w);
        if (adaptive) {
            layer.inferenceSolver(adaptiveSolver());
        }
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(type).list()
                .layer(layer.build()).setInputType(InputType.feedForward(w.projection.numInputs())).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private MultiLayerNetwork fitNetwork(Workload w, DataType type) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(type).seed(seed)
                .updater(new Adam(1e-3)).list()
                .layer(layer(w).outputSequence(false).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(10).build())
                .setInputType(InputType.feedForward(w.projection.numInputs())).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static INDArray input(Workload w, DataType type) {
        return Nd4j.createFromArray(w.x).reshape(w.batch, w.x.length / w.batch).castTo(type);
    }

    private static INDArray labels(Workload w, DataType type) {
        INDArray y = Nd4j.zeros(type, w.batch, 10);
        for (int b = 0; b < w.batch; b++) {
            y.putScalar(b, b % 10, 1.0);
        }
        return y;
    }

    private double[] timeForward(Workload w, DataType type, boolean adaptive) {
        MultiLayerNetwork net = forwardNetwork(w, type, adaptive);
        INDArray x = input(w, type);
        return time(() -> net.output(x), 1);
    }

    /** The layer's inference with adaptive steps, with the steps and evaluations of its last solve. */
    private void timeAdaptiveForward(Workload w, DataType type, Map<String, Object> common,
                                     Map<String, Object> tolerances) {
        MultiLayerNetwork net = forwardNetwork(w, type, true);
        INDArray x = input(w, type);
        double[] t = time(() -> net.output(x), 1);
        SolverStats stats = ((ConnectomeOdeRuntimeLayer) net.getLayer(0)).getLastSolverStats();
        Map<String, Object> extra = new TreeMap<>(tolerances);
        extra.put("steps", stats.maxAcceptedSteps());
        extra.put("rejected", stats.totalRejectedSteps());
        extra.put("evaluations", stats.maxEvaluations());
        emit(common, "adaptive_forward", t, extra);
    }

    private ConnectomeSimulator simulator(Workload w, boolean single) {
        return ConnectomeSimulator.builder().connectome(w.connectome).inputProjection(w.projection).bias(w.bias)
                .singlePrecision(single).build();
    }

    private static double[] doubles(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    /** ConnectomeSimulator's solve of the layer's forward problem (all neurons, every point). */
    private double[] timeSimulate(Workload w, DataType type, SolverSpec solver) {
        ConnectomeSimulator sim = simulator(w, type == DataType.FLOAT);
        double[] x = doubles(w.x);
        return time(() -> sim.simulate(x, w.batch, 1, 0, 1, numSteps, solver, null), 1);
    }

    /**
     * Function evaluations and the largest deviation from a tight float64 solve (Dopri5, atol 1e-12, rtol 1e-10) of
     * every method, with fixed steps and adaptive at --atol/--rtol, in float64 so that the error is the method's.
     */
    private void compareMethods(Workload w, Map<String, Object> common) {
        ConnectomeSimulator sim = simulator(w, false);
        double[] x = doubles(w.x);
        Simulation reference = sim.simulate(x, w.batch, 1, 0, 1, numSteps, SolverSpec.adaptive(1e-12, 1e-10), null);
        double[] ref = reference.toArray();
        for (RungeKuttaMethod m : RungeKuttaMethod.values()) {
            SolverSpec[] solvers = {SolverSpec.fixed(stepsPerInterval).withMethod(m),
                    SolverSpec.adaptive(atol, rtol).withMethod(m)};
            for (SolverSpec solver : solvers) {
                Simulation[] last = new Simulation[1];
                double[] t = time(() -> last[0] = sim.simulate(x, w.batch, 1, 0, 1, numSteps, solver, null), 0);
                double[] got = last[0].toArray();
                double err = 0;
                for (int i = 0; i < ref.length; i++) {
                    err = Math.max(err, Math.abs(got[i] - ref[i]));
                }
                Map<String, Object> line = new TreeMap<>(common);
                line.put("method", m.name());
                line.put("dtype", "float64");
                Map<String, Object> extra = new TreeMap<>();
                extra.put("solver", solver.isAdaptive() ? "adaptive" : "fixed");
                extra.put("num_steps", numSteps);
                if (solver.isAdaptive()) {
                    extra.put("atol", atol);
                    extra.put("rtol", rtol);
                    extra.put("steps", last[0].stats().maxAcceptedSteps());
                } else {
                    extra.put("steps_per_interval", stepsPerInterval);
                }
                extra.put("evaluations", last[0].stats().maxEvaluations());
                extra.put("max_abs_error", err);
                extra.put("reference_evaluations", reference.stats().maxEvaluations());
                emit(line, "method_error", t, extra);
            }
        }
    }

    /**
     * Training steps: time, peak resident memory of the process, peak heap during the timed steps and the size of
     * the reverse pass's tape (stage vectors of the kept steps plus the checkpointed states).
     */
    private void timeFit(Workload w, DataType type, Map<String, Object> common, Map<String, Object> steps) {
        MultiLayerNetwork net = fitNetwork(w, type);
        INDArray x = input(w, type);
        INDArray y = labels(w, type);
        net.fit(x, y);
        System.gc();
        resetPeakHeap();
        double[] t = time(() -> net.fit(x, y), 0);
        Map<String, Object> extra = new TreeMap<>(steps);
        extra.put("peak_rss_mb", round(memoryMb("VmHWM")));
        extra.put("peak_heap_mb", peakHeapMb());
        extra.put("heap_max_mb", Runtime.getRuntime().maxMemory() >> 20);
        extra.put("checkpoint_every", checkpointEvery);
        extra.put("tape_mb", round(tapeBytes(w, type) / 1048576.0));
        emit(common, "fit_step", t, extra);
    }

    private long tapeBytes(Workload w, DataType type) {
        long steps = (long) stepsPerInterval * (numSteps - 1);
        long kept = checkpointEvery == 0 ? steps : Math.min(checkpointEvery, steps);
        long checkpoints = checkpointEvery == 0 ? 0 : (steps + checkpointEvery - 1) / checkpointEvery;
        int stages = RungeKuttaMethod.named(method).stages();
        return (2 * stages * kept + checkpoints) * w.connectome.numNeurons() * w.batch
                * (type == DataType.FLOAT ? Float.BYTES : Double.BYTES);
    }

    private static void resetPeakHeap() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** The sum of the heap pools' peak usage since the last reset (an upper bound of the peak heap). */
    private static long peakHeapMb() {
        long bytes = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                bytes += pool.getPeakUsage().getUsed();
            }
        }
        return bytes >> 20;
    }

    /** Runs --fit-steps consecutive fit steps, reporting resident memory at ten checkpoints (one line each). */
    private void fitMemory(Workload w, DataType type, Map<String, Object> common) {
        MultiLayerNetwork net = fitNetwork(w, type);
        INDArray x = input(w, type);
        INDArray y = labels(w, type);
        long start = System.nanoTime();
        int every = Math.max(1, fitSteps / 10);
        for (int i = 1; i <= fitSteps; i++) {
            net.fit(x, y);
            if (i % every == 0 || i == fitSteps) {
                Map<String, Object> line = new TreeMap<>(common);
                line.put("op", "fit_memory");
                line.put("step", i);
                line.put("rss_mb", round(memoryMb("VmRSS")));
                line.put("peak_rss_mb", round(memoryMb("VmHWM")));
                line.put("heap_used_mb", (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory())
                        >> 20);
                line.put("seconds", round((System.nanoTime() - start) / 1e9));
                spec.commandLine().getOut().println(json(line));
            }
        }
    }

    /** Saves and restores the training network with DL4J's ModelSerializer (the connectome travels with it). */
    private void saveLoad(Workload w, DataType type, Map<String, Object> common) throws IOException {
        MultiLayerNetwork net = fitNetwork(w, type);
        Path file = Files.createTempFile("connectome-bench", ".zip");
        try {
            double[] save = time(() -> uncheck(() -> ModelSerializer.writeModel(net, file.toFile(), true)), 1);
            double[] load = time(() -> uncheck(() -> ModelSerializer.restoreMultiLayerNetwork(file.toFile(), true)
                    .close()), 1);
            emit(common, "save", save, Map.of("file_mb", round(Files.size(file) / 1048576.0)));
            emit(common, "load", load, Map.of());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void uncheck(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs body warm-up times, then --repeat timed times: {median, min, max, first, last} in ms. */
    private double[] time(Runnable body, int warmup) {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        double[] ms = new double[repeat];
        for (int i = 0; i < repeat; i++) {
            long t0 = System.nanoTime();
            body.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        double first = ms[0];
        double last = ms[ms.length - 1];
        Arrays.sort(ms);
        double median = ms.length % 2 == 1 ? ms[ms.length / 2] : 0.5 * (ms[ms.length / 2 - 1] + ms[ms.length / 2]);
        return new double[] {median, ms[0], ms[ms.length - 1], first, last};
    }

    private void emit(Map<String, Object> common, String op, double[] t, Map<String, Object> extra) {
        Map<String, Object> line = new TreeMap<>(common);
        line.put("op", op);
        line.put("median_ms", round(t[0]));
        line.put("min_ms", round(t[1]));
        line.put("max_ms", round(t[2]));
        line.put("first_ms", round(t[3]));
        line.put("last_ms", round(t[4]));
        line.put("repeat", repeat);
        line.putAll(extra);
        spec.commandLine().getOut().println(json(line));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** A line of /proc/self/status in MB (Linux), or NaN elsewhere. */
    static double memoryMb(String key) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith(key + ":")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    private static String json(Map<String, Object> m) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append('"').append(e.getKey()).append("\": ");
            Object v = e.getValue();
            if (v instanceof Number) {
                sb.append(v);
            } else {
                sb.append('"').append(v).append('"');
            }
        }
        return sb.append('}').toString();
    }
}
