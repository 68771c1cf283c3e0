package org.dl4jconnectome.cuda;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.NeuronClass;
import org.dl4jconnectome.connectome.NeuronTypes;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.datasets.SyntheticConnectome;
import org.dl4jconnectome.io.Npy;
import org.dl4jconnectome.io.NpyArray;
import org.dl4jconnectome.io.ScipySparseNpz;
import org.dl4jconnectome.kernels.DoubleStates;
import org.dl4jconnectome.kernels.FloatStates;
import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.model.ConnectomeBackend;
import org.dl4jconnectome.model.ConnectomeIntegrator;
import org.dl4jconnectome.model.ConnectomeModel;
import org.dl4jconnectome.ode.IntegralController;
import org.dl4jconnectome.ode.SolverSpec;
import org.dl4jconnectome.ode.StateBackend;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * The GPU check of {@code .gpu/check.sh}: every kernel and the forward, reverse and adaptive passes on the GPU
 * against the CPU's implementation (float32 to 1e-5 of the largest value, float64 to 1e-12), on small random
 * connectomes and at the tutorial's size, then the timings at tutorial size (float32); it writes the workload for the
 * PyTorch peer and one JSON object per result to {@code results.jsonl}. With {@code --no-gpu} it runs everything up
 * to the first call to the device (the workloads, the CPU references, the files) and records the GPU parts as not
 * run. Exit status: 0 when every check passed, 1 when one failed, 2 for a usage error.
 * <pre>
 *   java -cp 'lib/*' org.dl4jconnectome.cuda.GpuCheck --out DIR [--no-gpu] [--skip-tutorial] [--repeat R]
 *        [--small-neurons N]
 * </pre>
 */
public final class GpuCheck {
    private static final double F32 = 1e-5;
    private static final double F64 = 1e-12;
    private static final int TUTORIAL_BATCH = 8;
    private static final int TUTORIAL_POINTS = 20;
    private static final int TUTORIAL_INPUTS = 784;

    private final Path out;
    private final boolean gpu;
    private final boolean tutorial;
    private final int repeat;
    private final int small;
    private final PrintStream log;
    private final List<String> records = new ArrayList<>();
    private int failures;
    private CudaDevice device;

    private GpuCheck(Path out, boolean gpu, boolean tutorial, int repeat, int small, PrintStream log) {
        this.out = out;
        this.gpu = gpu;
        this.tutorial = tutorial;
        this.repeat = repeat;
        this.small = small;
        this.log = log;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the check; the exit status. */
    static int run(String[] args, PrintStream log) {
        Path out = null;
        boolean gpu = true;
        boolean tutorial = true;
        int repeat = 7;
        int small = 400;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--out":
                        out = Paths.get(value(args, ++i, "--out"));
                        break;
                    case "--no-gpu":
                        gpu = false;
                        break;
                    case "--skip-tutorial":
                        tutorial = false;
                        break;
                    case "--repeat":
                        repeat = Integer.parseInt(value(args, ++i, "--repeat"));
                        if (repeat < 1) {
                            throw new IllegalArgumentException("--repeat " + repeat + ": expected at least 1");
                        }
                        break;
                    case "--small-neurons":
                        small = Integer.parseInt(value(args, ++i, "--small-neurons"));
                        if (small < 20) {
                            throw new IllegalArgumentException("--small-neurons " + small + ": expected at least 20");
                        }
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option '" + args[i] + "': expected --out DIR, "
                                + "--no-gpu, --skip-tutorial, --repeat R, --small-neurons N");
                }
            }
            if (out == null) {
                throw new IllegalArgumentException("--out DIR is required");
            }
        } catch (NumberFormatException e) {
            log.println("error: --repeat and --small-neurons expect a number: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            log.println("error: " + e.getMessage());
            return 2;
        }
        GpuCheck c = new GpuCheck(out, gpu, tutorial, repeat, small, log);
        try {
            Files.createDirectories(out);
            c.all();
            c.flush();
        } catch (IOException e) {
            log.println("error: " + e.getMessage());
            return 1;
        }
        log.println(String.format(Locale.ROOT, "check: %d checks failed", c.failures));
        return c.failures == 0 ? 0 : 1;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private void all() throws IOException {
        if (gpu) {
            Object d = CudaDevice.fromSystemProperties();
            if (!(d instanceof CudaDevice)) {
                record("device", "\"available\": false, \"reason\": " + json(String.valueOf(d)));
                fail("device", String.valueOf(d));
                return;
            }
            device = (CudaDevice) d;
            record("device", String.format(Locale.ROOT, "\"available\": true, \"name\": %s, \"describe\": %s, "
                    + "\"jit_ms\": %.1f", json(device.name), json(device.describe()), device.jitMillis));
            log.println("check: " + device.describe() + ", PTX JIT " + device.jitMillis + " ms");
        } else {
            record("device", "\"available\": false, \"reason\": \"--no-gpu\"");
        }
        for (boolean single : new boolean[]{true, false}) {
            kernelChecks(single, single ? "f32" : "f64");
        }
        for (int variant = 0; variant < 3; variant++) {
            SmallCase c32 = new SmallCase(100 + variant, small, true, variant);
            SmallCase c64 = new SmallCase(100 + variant, small, false, variant);
            solveChecks("small#" + variant, c32.model, c64.model, c64.params, c64.problem, c32.readout, c64.readout,
                    variant == 2);
        }
        if (!tutorial) {
            return;
        }
        Tutorial t = new Tutorial(1);
        t.export(out.resolve("workload"));
        solveChecks("tutorial", t.model(true), t.model(false), t.params(), t.problem(), t.readout(true),
                t.readout(false), true);
        timings(t);
    }

    // ------------------------------------------------------------------------------------------ results

    private void record(String kind, String fields) {
        records.add("{\"kind\": \"" + kind + "\", " + fields + "}");
    }

    private void check(String name, double error, double tolerance) {
        boolean pass = error <= tolerance;
        if (!pass) {
            failures++;
        }
        record("check", String.format(Locale.ROOT, "\"name\": %s, \"max_rel_error\": %.3e, \"tolerance\": %.0e, "
                + "\"pass\": %b", json(name), error, tolerance, pass));
        log.println(String.format(Locale.ROOT, "check: %-48s %s  error %.2e (tolerance %.0e)", name,
                pass ? "ok  " : "FAIL", error, tolerance));
    }

    private void fail(String name, String why) {
        failures++;
        record("check", "\"name\": " + json(name) + ", \"pass\": false, \"error\": " + json(why));
        log.println("check: " + name + " FAIL: " + why);
    }

    private void notRun(String name) {
        record("check", "\"name\": " + json(name) + ", \"pass\": null, \"skipped\": \"no GPU\"");
        log.println("check: " + name + " (not run: no GPU)");
    }

    private void flush() throws IOException {
        Files.write(out.resolve("results.jsonl"), (String.join("\n", records) + "\n")
                .getBytes(StandardCharsets.UTF_8));
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                b.append('\\').append(ch);
            } else if (ch < 0x20) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.append('"').toString();
    }

    /** max |a − b| / max |b|: the error relative to the reference's scale (exactly 0 for equal arrays). */
    static double relativeError(double[] actual, double[] reference) {
        if (actual.length != reference.length) {
            return Double.POSITIVE_INFINITY;
        }
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < reference.length; i++) {
            scale = Math.max(scale, Math.abs(reference[i]));
            double d = Math.abs(actual[i] - reference[i]);
            diff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(diff, d);
        }
        return diff == 0 ? 0 : scale == 0 ? Double.POSITIVE_INFINITY : diff / scale;
    }

    // ------------------------------------------------------------------------------------------ kernels

    /** A random CSR structure of rows × cols with about {@code perRow} entries per row, some rows empty. */
    static CsrMatrix randomCsr(SplittableRandom rnd, int rows, int cols, int perRow) {
        List<int[]> entries = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            int len = r % 7 == 3 ? 0 : rnd.nextInt(2 * perRow + 1);
            java.util.TreeSet<Integer> set = new java.util.TreeSet<>();
            while (set.size() < Math.min(len, cols)) {
                set.add(rnd.nextInt(cols));
            }
            for (int c : set) {
                entries.add(new int[]{r, c});
            }
        }
        int[] ri = new int[entries.size()];
        int[] ci = new int[entries.size()];
        double[] v = new double[entries.size()];
        for (int k = 0; k < ri.length; k++) {
            ri[k] = entries.get(k)[0];
            ci[k] = entries.get(k)[1];
            v[k] = rnd.nextDouble() * 2 - 1;
        }
        return CsrMatrix.fromCoo(rows, cols, ri, ci, v);
    }

    private void kernelChecks(boolean single, String p) {
        SplittableRandom rnd = new SplittableRandom(single ? 7 : 8);
        int n = small;
        CsrMatrix a = randomCsr(rnd, n, n, 40);
        for (int batch : new int[]{1, 5, 8, 37}) {
            double[] x = randomArray(rnd, n * batch);
            double[] ref = dense(a, false, x, batch);
            double[] refT = dense(a, true, x, batch);
            double[][] z = new double[6][];
            double[][] ys = new double[6][];
            for (int j = 0; j < 6; j++) {
                z[j] = randomArray(rnd, n * batch);
                ys[j] = randomArray(rnd, n * batch);
            }
            double[] refGrad = synapseGradient(a, z, ys, batch);
            String b = " B=" + batch + " " + p;
            if (!gpu) {
                notRun("kernel spmm" + b);
                notRun("kernel spmm transposed" + b);
                notRun("kernel synapse gradient" + b);
                continue;
            }
            KernelRun k = new KernelRun(device, a, single);
            check("kernel spmm" + b, relativeError(k.spmm(false, x, batch), ref), single ? F32 : F64);
            check("kernel spmm transposed" + b, relativeError(k.spmm(true, x, batch), refT), single ? F32 : F64);
            check("kernel synapse gradient" + b, relativeError(k.synapseGradient(z, ys, batch), refGrad),
                    single ? F32 : F64);
        }
        stateChecks(single, p);
    }

    private static double[] randomArray(SplittableRandom rnd, int length) {
        double[] v = new double[length];
        for (int i = 0; i < length; i++) {
            v[i] = rnd.nextDouble() * 2 - 1;
        }
        return v;
    }

    /** y = A·x (or Aᵀ·x), batch-innermost, in float64. */
    static double[] dense(CsrMatrix a, boolean transposed, double[] x, int batch) {
        int[] ptr = a.rowPointers();
        int[] col = a.columnIndices();
        double[] val = a.values();
        double[] y = new double[(transposed ? a.cols() : a.rows()) * batch];
        for (int r = 0; r < a.rows(); r++) {
            for (int k = ptr[r]; k < ptr[r + 1]; k++) {
                for (int b = 0; b < batch; b++) {
                    if (transposed) {
                        y[col[k] * batch + b] += val[k] * x[r * batch + b];
                    } else {
                        y[r * batch + b] += val[k] * x[col[k] * batch + b];
                    }
                }
            }
        }
        return y;
    }

    /** acc[s] = Σ_j Σ_b z_j[post(s), b] · y_j[pre(s), b] in float64. */
    static double[] synapseGradient(CsrMatrix a, double[][] z, double[][] ys, int batch) {
        int[] ptr = a.rowPointers();
        int[] col = a.columnIndices();
        double[] acc = new double[a.nnz()];
        for (int r = 0; r < a.rows(); r++) {
            for (int k = ptr[r]; k < ptr[r + 1]; k++) {
                double s = 0;
                for (int j = 0; j < z.length; j++) {
                    for (int b = 0; b < batch; b++) {
                        s += z[j][r * batch + b] * ys[j][col[k] * batch + b];
                    }
                }
                acc[k] = s;
            }
        }
        return acc;
    }

    /** The product and synapse-gradient kernels on one random matrix, launched directly. */
    private static final class KernelRun {
        final CudaStream s;
        final boolean single;
        final int n;
        final DeviceArray ptr;
        final DeviceArray col;
        final DeviceArray val;
        final DeviceArray ptrT;
        final DeviceArray colT;
        final DeviceArray valT;
        final int nnz;

        KernelRun(CudaDevice device, CsrMatrix a, boolean single) {
            this.s = new CudaStream(device);
            this.single = single;
            this.n = a.rows();
            this.nnz = a.nnz();
            DeviceModel.Transpose t = DeviceModel.Transpose.of(a.rows(), a.cols(), a.rowPointers(),
                    a.columnIndices());
            double[] values = a.values();
            double[] valuesT = new double[nnz];
            for (int i = 0; i < nnz; i++) {
                valuesT[i] = values[t.position[i]];
            }
            this.ptr = ints(a.rowPointers());
            this.col = ints(a.columnIndices());
            this.val = reals(values);
            this.ptrT = ints(t.rowPtr);
            this.colT = ints(t.col);
            this.valT = reals(valuesT);
        }

        DeviceArray ints(int[] v) {
            DeviceArray d = s.pool.allocate(Math.max(1, v.length), 4);
            s.upload(d, v);
            s.sync();
            return d;
        }

        DeviceArray reals(double[] v) {
            DeviceArray d = s.pool.allocate(Math.max(1, v.length), single ? 4 : 8);
            if (single) {
                s.uploadAsFloat(d, v);
            } else {
                s.upload(d, v);
            }
            s.sync();
            return d;
        }

        double[] spmm(boolean transposed, double[] x, int batch) {
            DeviceArray xd = reals(x);
            DeviceArray yd = s.pool.allocate(x.length, single ? 4 : 8);
            Kernel k = Kernel.of(s.device, Kernel.typed("spmm", single));
            s.launch(k).i32(n).i32(batch).ptr(transposed ? ptrT : ptr).ptr(transposed ? colT : col)
                    .ptr(transposed ? valT : val).ptr(xd).i64(batch).ptr(yd).i32(0)
                    .i32(LaunchPlan.lanesPerSample(batch)).go(LaunchPlan.warpPerRowBlocks(n));
            double[] y = new double[x.length];
            s.download(y, yd.address(), y.length, single);
            return y;
        }

        double[] synapseGradient(double[][] z, double[][] ys, int batch) {
            double[] z6 = new double[n * 6 * batch];
            long[] yAddresses = new long[6];
            DeviceArray[] keep = new DeviceArray[6];
            for (int j = 0; j < 6; j++) {
                for (int r = 0; r < n; r++) {
                    System.arraycopy(z[j], r * batch, z6, r * 6 * batch + j * batch, batch);
                }
                keep[j] = reals(ys[j]);
                yAddresses[j] = keep[j].address();
            }
            DeviceArray zd = reals(z6);
            DeviceArray acc = s.pool.allocate(Math.max(1, nnz), 8);
            s.zero(acc);
            Kernel k = Kernel.of(s.device, Kernel.typed("synapse_gradient", single));
            s.launch(k).i32(n).i32(batch).ptr(ptr).ptr(col).i32(6).ptr(zd).i64(6L * batch).ptrs(yAddresses, 0, 6)
                    .ptr(acc).i32(LaunchPlan.lanesPerSample(batch)).go(LaunchPlan.warpPerRowBlocks(n));
            double[] out = new double[nnz];
            s.download(out, acc.address(), nnz);
            return out;
        }
    }

    /** The state operations the solvers use, against the host backend of the same precision. */
    @SuppressWarnings("unchecked")
    private void stateChecks(boolean single, String p) {
        int n = small + 1;
        int batch = 6;
        SplittableRandom rnd = new SplittableRandom(3);
        StateBackend<Object> host = (StateBackend<Object>) (single ? (StateBackend<?>) new FloatStates(n, batch)
                : new DoubleStates(n, batch));
        double[][] values = new double[9][];
        Object[] h = host.handleArray(9);
        for (int j = 0; j < 9; j++) {
            values[j] = randomArray(rnd, n * batch);
            h[j] = host.allocate();
            host.write(values[j], h[j]);
        }
        double[][] w = new double[7][batch];
        for (double[] row : w) {
            for (int b = 0; b < batch; b++) {
                row[b] = rnd.nextDouble() - 0.5;
            }
        }
        boolean[] mask = {true, false, true, true, true, false};
        IntegralController ctl = new IntegralController(1e-6, 1e-3);
        double[] hStep = {0.1, 0.2, 0.05, 0.1, 0.3, 0.01};
        double[] e = {0.01, 0, -0.03, 0.02, 0.01, -0.02, 0.005};
        Object[] k = Arrays.copyOfRange(h, 2, 9);
        host.combine(h[0], h[1], w, k, 7, mask, null);
        host.spread(h[1], w, Arrays.copyOfRange(h, 2, 5), 3);
        double[] ratio = new double[batch];
        double[] rms = new double[batch];
        host.errorRatios(h[0], h[1], hStep, e, k, 7, ctl, null, ratio);
        host.scaledRms(h[0], h[1], ctl, rms);
        double[] combined = new double[n * batch];
        double[] spread = new double[n * batch];
        host.read(h[0], combined);
        host.read(h[2], spread);
        String b = " " + p;
        if (!gpu) {
            for (String op : new String[]{"combine", "spread", "error ratios", "scaled rms", "finite check"}) {
                notRun("state " + op + b);
            }
            return;
        }
        CudaStates d = new CudaStates(new CudaStream(device), n, batch, single);
        DeviceArray[] g = new DeviceArray[9];
        for (int j = 0; j < 9; j++) {
            g[j] = d.allocate();
            d.write(values[j], g[j]);
        }
        DeviceArray[] gk = Arrays.copyOfRange(g, 2, 9);
        d.combine(g[0], g[1], w, gk, 7, mask, null);
        d.spread(g[1], w, Arrays.copyOfRange(g, 2, 5), 3);
        double[] ratioD = new double[batch];
        double[] rmsD = new double[batch];
        d.errorRatios(g[0], g[1], hStep, e, gk, 7, ctl, null, ratioD);
        d.scaledRms(g[0], g[1], ctl, rmsD);
        double[] combinedD = new double[n * batch];
        double[] spreadD = new double[n * batch];
        d.read(g[0], combinedD);
        d.read(g[2], spreadD);
        double tol = single ? F32 : F64;
        check("state combine" + b, relativeError(combinedD, combined), tol);
        check("state spread" + b, relativeError(spreadD, spread), tol);
        check("state error ratios" + b, relativeError(ratioD, ratio), tol);
        check("state scaled rms" + b, relativeError(rmsD, rms), tol);
        values[5][3 * batch + 4] = Double.NaN;
        d.write(values[5], g[5]);
        boolean[] finite = new boolean[batch];
        d.combine(g[0], null, new double[][]{{1, 1, 1, 1, 1, 1}}, new DeviceArray[]{g[5]}, 1, null, finite);
        boolean expected = Arrays.equals(finite, new boolean[]{true, true, true, true, false, true});
        check("state finite check" + b, expected ? 0 : 1, 0);
    }

    // ------------------------------------------------------------------------------------------ solves

    /** Parameters of a model in the integrator's form. */
    static final class Params {
        final double[] magnitudes;
        final double[] gains;
        final double[] tau;
        final double[] bias;
        final double[] u;

        Params(double[] magnitudes, double[] gains, double[] tau, double[] bias, double[] u) {
            this.magnitudes = magnitudes;
            this.gains = gains;
            this.tau = tau;
            this.bias = bias;
            this.u = u;
        }

        void set(ConnectomeIntegrator it) {
            it.setParameters(magnitudes, gains, tau, bias, u);
        }
    }

    /** A small random case: types covering every nonlinearity, several segments, end times, gains. */
    private static final class SmallCase {
        final ConnectomeModel model;
        final Params params;
        final ConnectomeIntegrator.Problem problem;
        final ConnectomeIntegrator.Readout readout;

        SmallCase(long seed, int n, boolean single, int variant) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int inputs = 12;
            int batch = new int[]{3, 8, 37}[variant];
            Nonlinearity[] phi = Nonlinearity.values();
            int k = phi.length;
            CsrMatrix a = randomCsr(rnd, n, n, 12);
            double[] mags = a.values();
            for (int i = 0; i < mags.length; i++) {
                mags[i] = 0.1 + Math.abs(mags[i]);
            }
            a = a.withValues(mags);
            int[] type = new int[n];
            for (int i = 0; i < n; i++) {
                type[i] = i < k ? i : rnd.nextInt(k);
            }
            NeuronClass[] classes = new NeuronClass[k];
            double[] tau = new double[k];
            for (int t = 0; t < k; t++) {
                classes[t] = t % 2 == 0 ? NeuronClass.EXCITATORY : NeuronClass.INHIBITORY;
                tau[t] = 1 + rnd.nextDouble() * 2;
            }
            Connectome c = Connectome.builder().synapses(a).neuronTypes(NeuronTypes.fromTypeIds(type, k))
                    .typeClasses(classes).typeTau(tau).typeNonlinearity(phi).build();
            InputProjection ip = InputProjection.of(randomCsr(rnd, n, inputs, 1));
            boolean gains = variant == 1;
            this.model = ConnectomeModel.of(c, ip, false, gains, single);
            double[] g = null;
            if (gains) {
                g = new double[k * k];
                for (int i = 0; i < g.length; i++) {
                    g[i] = 0.5 + rnd.nextDouble();
                }
            }
            double[] tauN = new double[n];
            double[] bias = new double[n];
            for (int i = 0; i < n; i++) {
                tauN[i] = tau[type[i]];
                bias[i] = 0.2 * (rnd.nextDouble() - 0.5);
            }
            this.params = new Params(c.synapses().values(), g, tauN, bias, ip.matrix().values());
            int segs = variant + 1;
            double[][] x = new double[segs][inputs * batch];
            for (double[] s : x) {
                for (int i = 0; i < s.length; i++) {
                    s[i] = rnd.nextDouble() * 2 - 1;
                }
            }
            double[] end = null;
            if (variant == 2) {
                end = new double[batch];
                for (int b = 0; b < batch; b++) {
                    end[b] = b % 3 == 0 ? 1.0 : 0.5 + 0.5 * rnd.nextDouble();
                }
            }
            this.problem = new ConnectomeIntegrator.Problem(x, batch, 0, 1, 6, end, null);
            int[] rows = variant == 0 ? identity(n) : new int[]{5, 0, n - 1, 5, 17, n / 2};
            this.readout = new ConnectomeIntegrator.Readout(rows, true, single, false);
        }
    }

    static int[] identity(int n) {
        int[] r = new int[n];
        Arrays.setAll(r, i -> i);
        return r;
    }

    private static double[] output(ConnectomeIntegrator.Solution s) {
        if (s.outputDouble() != null) {
            return s.outputDouble().clone();
        }
        float[] f = s.outputFloat();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static double[] cotangent(int length) {
        Random rnd = new Random(length);
        double[] g = new double[length];
        for (int i = 0; i < length; i++) {
            g[i] = rnd.nextGaussian();
        }
        return g;
    }

    /** The CPU's results of one case: a fixed-step forward and reverse pass, and an adaptive forward pass. */
    private static final class Reference {
        double[] forward;
        double[] cotangent;
        double[][] gradients;
        double[] adaptive;
        int[] steps;
    }

    private Reference reference(String name, ConnectomeModel model, Params params,
                                ConnectomeIntegrator.Problem problem, ConnectomeIntegrator.Readout readout,
                                boolean adaptive) {
        long t0 = System.nanoTime();
        ConnectomeIntegrator cpu = new ConnectomeIntegrator(model, SparseKernels.best(), ConnectomeBackend.CPU);
        params.set(cpu);
        Reference r = new Reference();
        r.forward = output(cpu.solve(problem, SolverSpec.fixed(1), readout, true, null));
        r.cotangent = cotangent(r.forward.length);
        r.gradients = gradients(cpu.backward(r.cotangent));
        if (adaptive) {
            ConnectomeIntegrator.Solution s = cpu.solve(problem, SolverSpec.adaptive(1e-6, 1e-3), readout, false,
                    null);
            r.adaptive = output(s);
            r.steps = steps(s);
        }
        log.println(String.format(Locale.ROOT, "check: %s: CPU reference in %.1f s", name,
                (System.nanoTime() - t0) / 1e9));
        return r;
    }

    /** Both precisions of one case: CPU references first, then the GPU's passes against them. */
    private void solveChecks(String name, ConnectomeModel model32, ConnectomeModel model64, Params params,
                             ConnectomeIntegrator.Problem problem, ConnectomeIntegrator.Readout readout32,
                             ConnectomeIntegrator.Readout readout64, boolean adaptive) {
        Reference ref64 = reference(name + " f64", model64, params, problem, readout64, adaptive);
        Reference ref32 = reference(name + " f32", model32, params, problem, readout32, adaptive);
        compare(name + " f32", model32, params, problem, readout32, adaptive, ref32, ref64, F32);
        compare(name + " f64", model64, params, problem, readout64, adaptive, ref64, null, F64);
    }

    /**
     * The GPU's passes of one case against the CPU's of the same precision. In float32 a difference above the
     * tolerance is accepted when the GPU's result is as accurate as the CPU's float32 result against float64
     * (error at most twice the CPU's), and says so: two float32 solvers differ by the rounding their dynamics
     * amplify, and an adaptive step that lands within rounding of acceptance can go either way.
     */
    private void compare(String name, ConnectomeModel model, Params params, ConnectomeIntegrator.Problem problem,
                         ConnectomeIntegrator.Readout readout, boolean adaptive, Reference ref, Reference ref64,
                         double tol) {
        if (!gpu) {
            notRun(name + " forward");
            notRun(name + " reverse");
            if (adaptive) {
                notRun(name + " adaptive");
            }
            return;
        }
        try {
            ConnectomeIntegrator dev = new ConnectomeIntegrator(model, SparseKernels.best(), ConnectomeBackend.GPU);
            params.set(dev);
            double[] forward = output(dev.solve(problem, SolverSpec.fixed(1), readout, true, null));
            compare(name + " forward", new double[][]{forward}, new double[][]{ref.forward},
                    ref64 == null ? null : new double[][]{ref64.forward}, tol, "");
            compare(name + " reverse", gradients(dev.backward(ref.cotangent)), ref.gradients,
                    ref64 == null ? null : ref64.gradients, tol, "");
            if (adaptive) {
                ConnectomeIntegrator.Solution s = dev.solve(problem, SolverSpec.adaptive(1e-6, 1e-3), readout,
                        false, null);
                String note = Arrays.equals(steps(s), ref.steps) ? "" : "another step sequence than the CPU's "
                        + "(accepted/rejected per sample " + Arrays.toString(steps(s)) + " vs "
                        + Arrays.toString(ref.steps) + ")";
                if (!note.isEmpty() && ref64 == null) {
                    fail(name + " adaptive", note);
                } else {
                    compare(name + " adaptive", new double[][]{output(s)}, new double[][]{ref.adaptive},
                            ref64 == null ? null : new double[][]{ref64.adaptive}, note.isEmpty() ? tol : 0, note);
                }
            }
        } catch (RuntimeException e) {
            fail(name, e.toString());
        }
    }

    /** Arrays against the CPU's, with the float32 accuracy criterion when float64 references are given. */
    private void compare(String name, double[][] actual, double[][] reference, double[][] reference64, double tol,
                         String note) {
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, relativeError(actual[i], reference[i]));
        }
        if (worst <= tol || reference64 == null) {
            check(name, worst, tol);
            return;
        }
        boolean pass = true;
        double gpuWorst = 0;
        double cpuWorst = 0;
        for (int i = 0; i < actual.length; i++) {
            double g = relativeError(actual[i], reference64[i]);
            double c = relativeError(reference[i], reference64[i]);
            pass &= g <= 2 * c;
            gpuWorst = Math.max(gpuWorst, g);
            cpuWorst = Math.max(cpuWorst, c);
        }
        if (!pass) {
            failures++;
        }
        String why = String.format(Locale.ROOT, "%s%s%.2e from the CPU's float32 (tolerance %.0e); against float64: "
                + "GPU %.2e, CPU float32 %.2e", note, note.isEmpty() ? "" : "; ", worst, tol, gpuWorst, cpuWorst);
        record("check", String.format(Locale.ROOT, "\"name\": %s, \"max_rel_error\": %.3e, \"tolerance\": %.0e, "
                + "\"pass\": %b, \"criterion\": \"as accurate as the CPU's float32 against float64\", "
                + "\"gpu_vs_f64\": %.3e, \"cpu_vs_f64\": %.3e, \"note\": %s", json(name), worst, tol, pass, gpuWorst,
                cpuWorst, json(note)));
        log.println(String.format(Locale.ROOT, "check: %-48s %s  %s", name, pass ? "ok* " : "FAIL", why));
    }

    private static int[] steps(ConnectomeIntegrator.Solution s) {
        int b = s.stats().batch();
        int[] v = new int[2 * b];
        for (int i = 0; i < b; i++) {
            v[2 * i] = s.stats().acceptedSteps(i);
            v[2 * i + 1] = s.stats().rejectedSteps(i);
        }
        return v;
    }

    private static double[][] gradients(ConnectomeIntegrator.Gradients g) {
        return new double[][]{g.magnitudes().clone(), g.gains() == null ? new double[0] : g.gains().clone(),
                g.tauPerNeuron().clone(), g.bias().clone(), g.inputWeights().clone(), g.input().clone(),
                g.initialState().clone()};
    }

    // ------------------------------------------------------------------------------------------ tutorial size

    /** The tutorial's workload: 47,521 neurons, 4,623,254 synapses, 784 inputs onto random neurons, batch 8. */
    private static final class Tutorial {
        final Connectome connectome;
        final InputProjection projection;
        final double[] tau;
        final double[] bias;
        final double[][] x;
        final float[] xRows;

        Tutorial(long seed) {
            this.connectome = SyntheticConnectome.tutorialScale(seed);
            int n = connectome.numNeurons();
            Random rnd = new Random(seed + 1);
            int[] target = new int[TUTORIAL_INPUTS];
            for (int k = 0; k < TUTORIAL_INPUTS; k++) {
                target[k] = rnd.nextInt(n);
            }
            this.projection = InputProjection.identity(target, n);
            this.tau = new double[n];
            for (int i = 0; i < n; i++) {
                tau[i] = connectome.typeTau(connectome.types().typeOf(i));
            }
            this.bias = new double[n];
            this.xRows = new float[TUTORIAL_BATCH * TUTORIAL_INPUTS];
            for (int i = 0; i < xRows.length; i++) {
                xRows[i] = rnd.nextFloat();
            }
            this.x = new double[1][TUTORIAL_INPUTS * TUTORIAL_BATCH];
            for (int b = 0; b < TUTORIAL_BATCH; b++) {
                for (int k = 0; k < TUTORIAL_INPUTS; k++) {
                    x[0][k * TUTORIAL_BATCH + b] = xRows[b * TUTORIAL_INPUTS + k];
                }
            }
        }

        ConnectomeModel model(boolean single) {
            return ConnectomeModel.of(connectome, projection, false, false, single);
        }

        Params params() {
            return new Params(connectome.synapses().values(), null, tau, bias, projection.matrix().values());
        }

        ConnectomeIntegrator.Problem problem() {
            return new ConnectomeIntegrator.Problem(x, TUTORIAL_BATCH, 0, 1, TUTORIAL_POINTS, null, null);
        }

        ConnectomeIntegrator.Readout readout(boolean single) {
            return new ConnectomeIntegrator.Readout(identity(connectome.numNeurons()), true, single, false);
        }

        /** The workload in the layout of benchmarks/peers.py (signed A, float32 input). */
        void export(Path dir) {
            try {
                Files.createDirectories(dir);
                ScipySparseNpz.write(dir.resolve("connectome.npz"), connectome.signedSynapses(), false);
                ScipySparseNpz.write(dir.resolve("input_projection.npz"), projection.matrix(), false);
                Npy.write(dir.resolve("tau.npy"), NpyArray.ofFloat64(tau, tau.length));
                Npy.write(dir.resolve("bias.npy"), NpyArray.ofFloat64(bias, bias.length));
                Npy.write(dir.resolve("x.npy"), NpyArray.ofFloat32(xRows, TUTORIAL_BATCH, TUTORIAL_INPUTS));
                String json = String.format(Locale.ROOT, "{\"neurons\": %d, \"synapses\": %d, \"batch\": %d, "
                                + "\"num_steps\": %d, \"steps_per_interval\": 1, \"t0\": 0.0, \"t1\": 1.0, "
                                + "\"dtype\": \"float32\", \"inputs\": %d}%n", connectome.numNeurons(),
                        connectome.numSynapses(), TUTORIAL_BATCH, TUTORIAL_POINTS, TUTORIAL_INPUTS);
                Files.write(dir.resolve("workload.json"), json.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the workload to " + dir, e);
            }
        }
    }

    private void time(String op, Supplier<Double> body, String note) {
        double[] ms = new double[repeat];
        body.get();
        for (int r = 0; r < repeat; r++) {
            ms[r] = body.get();
        }
        Arrays.sort(ms);
        double median = ms[repeat / 2];
        record("time", String.format(Locale.ROOT, "\"op\": %s, \"median_ms\": %.4f, \"min_ms\": %.4f, "
                + "\"max_ms\": %.4f, \"repeat\": %d, \"note\": %s", json(op), median, ms[0], ms[repeat - 1], repeat,
                json(note)));
        log.println(String.format(Locale.ROOT, "time: %-26s median %9.3f ms (min %.3f, max %.3f)", op, median,
                ms[0], ms[repeat - 1]));
    }

    private void timings(Tutorial t) {
        String[] ops = {"spmm", "spmm_transpose", "forward", "forward_last_point", "fit_step", "adaptive_forward"};
        if (!gpu) {
            for (String op : ops) {
                record("time", "\"op\": " + json(op) + ", \"skipped\": \"no GPU\"");
            }
            return;
        }
        ConnectomeModel m = t.model(true);
        CsrMatrix a = t.connectome.signedSynapses();
        KernelRun k = new KernelRun(device, a, true);
        int batch = TUTORIAL_BATCH;
        int n = a.rows();
        double[] xv = randomArray(new SplittableRandom(5), n * batch);
        DeviceArray xd = k.reals(xv);
        DeviceArray yd = k.s.pool.allocate((long) n * batch, 4);
        Kernel spmm = Kernel.of(device, "spmm_f32");
        int launches = 100;
        long start = k.s.event();
        long end = k.s.event();
        for (boolean transposed : new boolean[]{false, true}) {
            time(transposed ? "spmm_transpose" : "spmm", () -> {
                k.s.record(start);
                for (int i = 0; i < launches; i++) {
                    k.s.launch(spmm).i32(n).i32(batch).ptr(transposed ? k.ptrT : k.ptr)
                            .ptr(transposed ? k.colT : k.col).ptr(transposed ? k.valT : k.val).ptr(xd).i64(batch)
                            .ptr(yd).i32(0).i32(LaunchPlan.lanesPerSample(batch))
                            .go(LaunchPlan.warpPerRowBlocks(n));
                }
                k.s.record(end);
                return (double) k.s.elapsed(start, end) / launches;
            }, "one product, device time (CUDA events) over " + launches + " launches, float32, B=8");
        }
        CudaStream.destroy(start);
        CudaStream.destroy(end);
        ConnectomeIntegrator it = new ConnectomeIntegrator(m, SparseKernels.best(), ConnectomeBackend.GPU);
        Params p = t.params();
        p.set(it);
        ConnectomeIntegrator.Problem problem = t.problem();
        SolverSpec fixed = SolverSpec.fixed(1);
        ConnectomeIntegrator.Readout all = t.readout(true);
        ConnectomeIntegrator.Readout last = new ConnectomeIntegrator.Readout(identity(n), false, true, false);
        time("forward", () -> {
            long s0 = System.nanoTime();
            it.solve(problem, fixed, all, false, null);
            return (System.nanoTime() - s0) / 1e6;
        }, "19 Dopri5 steps x 6 stages, all 47,521 neurons at 20 points back in a host float[] (30 MB)");
        time("forward_last_point", () -> {
            long s0 = System.nanoTime();
            it.solve(problem, fixed, last, false, null);
            return (System.nanoTime() - s0) / 1e6;
        }, "the same, only the last point back on the host");
        double[] cot = cotangent(batch * n);
        time("fit_step", () -> {
            long s0 = System.nanoTime();
            p.set(it);
            it.solve(problem, fixed, last, true, null);
            it.backward(cot);
            return (System.nanoTime() - s0) / 1e6;
        }, "parameters up, forward with tape, reverse pass, every gradient back on the host (dL/dW: 37 MB)");
        SolverSpec adaptive = SolverSpec.adaptive(1e-6, 1e-3);
        int[] accepted = new int[1];
        time("adaptive_forward", () -> {
            long s0 = System.nanoTime();
            ConnectomeIntegrator.Solution s = it.solve(problem, adaptive, all, false, null);
            accepted[0] = s.stats().maxAcceptedSteps();
            return (System.nanoTime() - s0) / 1e6;
        }, "Dopri5 + integral controller at atol 1e-6 / rtol 1e-3, all neurons at 20 points");
        record("stats", "\"op\": \"adaptive_forward\", \"accepted_steps\": " + accepted[0]);
        // The outputs for the peer's comparison, [B, N, points] like torch's.
        writeOutput("java_forward.npy", it.solve(problem, fixed, all, false, null), n);
        writeOutput("java_adaptive.npy", it.solve(problem, adaptive, all, false, null), n);
    }

    private void writeOutput(String name, ConnectomeIntegrator.Solution s, int n) {
        try {
            Npy.write(out.resolve("workload").resolve(name), NpyArray.ofFloat32(s.outputFloat(), TUTORIAL_BATCH, n,
                    TUTORIAL_POINTS));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name, e);
        }
    }
}
