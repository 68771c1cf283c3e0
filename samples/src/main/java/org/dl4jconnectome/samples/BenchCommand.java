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
 * {@code bench}: times the sparse kernels, the layer's forward pass and a training step on a seeded random typed
 * connectome, printing one JSON object per line. {@code --export DIR} writes the workload for
 * {@code benchmarks/peers.py}; {@code --data DIR} runs on such a workload.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time spmm, spmm_transpose, forward and fit_step; one JSON object per line.")
final class BenchCommand implements Callable<Integer> {
    private static final int INPUTS = 784;
    private static final java.util.List<String> OPS = java.util.List.of("spmm", "spmm_transpose", "forward",
            "fit_step", "save_load");
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

    @Option(names = "--ops", split = ",", description = "Measurements to run (default: all of "
            + "spmm,spmm_transpose,forward,fit_step; also save_load: ModelSerializer round trip).")
    String[] ops = {"spmm", "spmm_transpose", "forward", "fit_step"};

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
            for (String option : new String[] {"--neurons", "--synapses", "--batch", "--seed"}) {
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

        for (String op : ops) {
            switch (op) {
                case "spmm":
                case "spmm_transpose":
                    emit(common, op, timeProduct(w, op.equals("spmm_transpose"), type), Map.of());
                    break;
                case "forward":
                    emit(common, op, timeForward(w, type), Map.of("num_steps", numSteps, "steps_per_interval",
                            stepsPerInterval));
                    break;
                case "fit_step":
                    double[] fit = timeFit(w, type);
                    emit(common, op, fit, Map.of("num_steps", numSteps, "steps_per_interval", stepsPerInterval,
                            "peak_rss_mb", round(memoryMb("VmHWM")), "heap_max_mb",
                            Runtime.getRuntime().maxMemory() >> 20));
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
        w.connectome = SyntheticConnectome.generate(neurons, synapses, 2, seed);
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
        MultiLayerNetwork net = forwardNetwork(w, parseType(dtype));
        INDArray out = net.output(input(w, parseType(dtype)));
        float[] values = out.castTo(DataType.FLOAT).dup('c').data().asFloat();
        Npy.write(dir.resolve("java_forward.npy"), NpyArray.ofFloat32(values, out.shape()));
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
            return time(() -> k.multiply(layout, v, x, y, b), 3);
        }
        float[] v = new float[a.nnz()];
        layout.toStorageOrder(a.values(), v);
        float[] x = new float[n * b];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        float[] y = new float[n * b];
        return time(() -> k.multiply(layout, v, x, y, b), 3);
    }

    private ConnectomeOdeLayer.Builder layer(Workload w) {
        double tauMin = Arrays.stream(w.tau).min().orElse(1.0);
        return new ConnectomeOdeLayer.Builder().connectome(w.connectome).inputProjection(w.projection)
                .initialBias(w.bias).tauMin(Math.min(1.0, tauMin)).evaluationPoints(numSteps)
                .stepsPerInterval(stepsPerInterval).timeSpan(0, 1);
    }

    private MultiLayerNetwork forwardNetwork(Workload w, DataType type) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(type).list()
                .layer(layer(w).build()).setInputType(InputType.feedForward(w.projection.numInputs())).build();
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

    private double[] timeForward(Workload w, DataType type) {
        MultiLayerNetwork net = forwardNetwork(w, type);
        INDArray x = input(w, type);
        return time(() -> net.output(x), 1);
    }

    private double[] timeFit(Workload w, DataType type) {
        MultiLayerNetwork net = fitNetwork(w, type);
        INDArray x = input(w, type);
        INDArray y = labels(w, type);
        return time(() -> net.fit(x, y), 1);
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

    /** Runs body warm-up times, then --repeat timed times: {median, min, max} in ms. */
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
        Arrays.sort(ms);
        double median = ms.length % 2 == 1 ? ms[ms.length / 2] : 0.5 * (ms[ms.length / 2 - 1] + ms[ms.length / 2]);
        return new double[] {median, ms[0], ms[ms.length - 1]};
    }

    private void emit(Map<String, Object> common, String op, double[] t, Map<String, Object> extra) {
        Map<String, Object> line = new TreeMap<>(common);
        line.put("op", op);
        line.put("median_ms", round(t[0]));
        line.put("min_ms", round(t[1]));
        line.put("max_ms", round(t[2]));
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
