package org.dl4jconnectome.cuda;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.model.ConnectomeBackend;
import org.dl4jconnectome.model.ConnectomeIntegrator;
import org.dl4jconnectome.model.ConnectomeModel;
import org.dl4jconnectome.model.ConnectomeSimulator;
import org.dl4jconnectome.model.Simulation;
import org.dl4jconnectome.ode.SolverSpec;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.dl4jconnectome.testutil.WorkedExample;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole pipeline on the (emulated) GPU against the CPU's: forward and reverse passes of fixed steps, adaptive
 * solves, in float32 (to 1e-5 of the largest value) and float64 (to 1e-12), on random typed connectomes with every
 * nonlinearity, several input segments, per-sample end times, type-pair gains and a readout with a repeated neuron.
 */
class CudaIntegratorTest {
    private static String previous;

    @BeforeAll
    static void useEmulator() {
        previous = Emulator.use();
    }

    @AfterAll
    static void restore() {
        Emulator.restore(previous);
    }

    /** A random problem on a random model, with its parameters. */
    static final class Case {
        final ConnectomeModel model;
        final double[] magnitudes;
        final double[] gains;
        final double[] tau;
        final double[] bias;
        final double[] u;
        final double[][] segments;
        final int batch;
        final double[] initial;

        Case(long seed, int n, int inputs, int numSegments, int batch, boolean single, boolean gains,
             Nonlinearity... phi) {
            Random rnd = new Random(seed);
            Connectome c = RandomConnectomes.typed(seed, n, 0.2, Math.max(2, phi.length), false, phi);
            InputProjection ip = InputProjection.of(RandomConnectomes.matrix(rnd, n, inputs, 0.3, -1, 1));
            this.model = ConnectomeModel.of(c, ip, false, gains, single);
            this.magnitudes = c.synapses().values();
            int k = c.numTypes();
            this.gains = gains ? new double[k * k] : null;
            if (gains) {
                for (int i = 0; i < k * k; i++) {
                    this.gains[i] = 0.5 + rnd.nextDouble();
                }
            }
            this.tau = new double[n];
            this.bias = new double[n];
            for (int i = 0; i < n; i++) {
                tau[i] = c.typeTau(c.types().typeOf(i));
                bias[i] = 0.3 * rnd.nextGaussian();
            }
            this.u = ip.matrix().values();
            this.segments = new double[numSegments][inputs * batch];
            for (double[] s : segments) {
                for (int i = 0; i < s.length; i++) {
                    s[i] = rnd.nextGaussian();
                }
            }
            this.batch = batch;
            this.initial = new double[n * batch];
            for (int i = 0; i < initial.length; i++) {
                initial[i] = 0.2 * rnd.nextDouble();
            }
        }

        ConnectomeIntegrator integrator(ConnectomeBackend backend) {
            ConnectomeIntegrator it = new ConnectomeIntegrator(model, SparseKernels.scalar(), backend);
            it.setParameters(magnitudes, gains, tau, bias, u);
            return it;
        }
    }

    private static void assertClose(double[] expected, double[] actual, double relative, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        double tol = relative * Math.max(scale, 1e-300);
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            if (!(Math.abs(e - a) <= tol)) {
                throw new AssertionError(what + "[" + i + "]: expected " + e + ", got " + a + " (tolerance " + tol
                        + ", scale " + scale + ")");
            }
        }
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

    @ParameterizedTest(name = "float32 {0}, gains {1}, all points {2}, checkpoint every {3}")
    @CsvSource({"false, false, true, 0", "true, false, true, 0", "false, true, false, 2", "true, true, true, 3"})
    void fixedStepsForwardAndReverseMatchTheCpu(boolean single, boolean gains, boolean allPoints, int checkpoint) {
        Case c = new Case(11, 40, 5, 3, 3, single, gains, Nonlinearity.SIGMOID, Nonlinearity.TANH,
                Nonlinearity.SOFTPLUS, Nonlinearity.ELU);
        double tol = single ? 1e-5 : 1e-12;
        int[] rows = {3, 0, 7, 7, 12, 39};
        ConnectomeIntegrator.Problem p = new ConnectomeIntegrator.Problem(c.segments, c.batch, 0.0, 1.5, 6,
                new double[]{1.5, 0.75, 1.2}, c.initial);
        SolverSpec spec = SolverSpec.fixed(2).withCheckpointEvery(checkpoint);
        ConnectomeIntegrator.Readout r = new ConnectomeIntegrator.Readout(rows, allPoints, single, true);
        ConnectomeIntegrator cpu = c.integrator(ConnectomeBackend.CPU);
        ConnectomeIntegrator gpu = c.integrator(ConnectomeBackend.GPU);
        assertTrue(gpu.backendName().startsWith("cuda"), gpu.backendName());
        ConnectomeIntegrator.Solution sc = cpu.solve(p, spec, r, true, null);
        double[] outCpu = output(sc);
        double[] finalCpu = sc.finalState().clone();
        ConnectomeIntegrator.Solution sg = gpu.solve(p, spec, r, true, null);
        assertClose(outCpu, output(sg), tol, "output");
        assertClose(finalCpu, sg.finalState(), tol, "final state");

        double[] outGrad = new double[outCpu.length];
        Random rnd = new Random(5);
        for (int i = 0; i < outGrad.length; i++) {
            outGrad[i] = rnd.nextGaussian();
        }
        ConnectomeIntegrator.Gradients gc = cpu.backward(outGrad);
        double[][] expected = {gc.magnitudes().clone(), gc.gains() == null ? new double[0] : gc.gains().clone(),
                gc.tauPerNeuron().clone(), gc.bias().clone(), gc.inputWeights().clone(), gc.input().clone(),
                gc.initialState().clone()};
        ConnectomeIntegrator.Gradients gg = gpu.backward(outGrad);
        double[][] actual = {gg.magnitudes(), gg.gains() == null ? new double[0] : gg.gains(), gg.tauPerNeuron(),
                gg.bias(), gg.inputWeights(), gg.input(), gg.initialState()};
        String[] names = {"dW", "dG", "dtau", "dbias", "dU", "dx", "dh0"};
        for (int i = 0; i < names.length; i++) {
            assertClose(expected[i], actual[i], tol, names[i]);
        }
        // A second pass on the same integrator reuses the tape and the device buffers.
        ConnectomeIntegrator.Solution again = gpu.solve(p, spec, r, true, null);
        assertClose(outCpu, output(again), tol, "output of the second pass");
        assertClose(expected[0], gpu.backward(outGrad).magnitudes(), tol, "dW of the second pass");
    }

    @ParameterizedTest(name = "float32 {0}, breakpoints {1}")
    @CsvSource({"false, true", "true, true", "false, false"})
    void adaptiveSolvesMatchTheCpu(boolean single, boolean breakpoints) {
        Case c = new Case(23, 36, 4, 2, 4, single, false, Nonlinearity.SIGMOID, Nonlinearity.RELU,
                Nonlinearity.SILU, Nonlinearity.IDENTITY);
        ConnectomeIntegrator.Problem p = new ConnectomeIntegrator.Problem(c.segments, c.batch, 0.0, 2.0, 7,
                new double[]{2.0, 1.1, 2.0, 0.4}, null);
        SolverSpec spec = SolverSpec.adaptive(1e-6, 1e-3).withBreakpoints(breakpoints);
        int[] all = new int[36];
        java.util.Arrays.setAll(all, i -> i);
        ConnectomeIntegrator.Readout r = new ConnectomeIntegrator.Readout(all, true, single, false);
        ConnectomeIntegrator.Solution sc = c.integrator(ConnectomeBackend.CPU).solve(p, spec, r, false, null);
        double[] outCpu = output(sc);
        ConnectomeIntegrator.Solution sg = c.integrator(ConnectomeBackend.GPU).solve(p, spec, r, false, null);
        double[] outGpu = output(sg);
        // The same steps, accepted and rejected alike: the controller saw the same error ratios.
        for (int b = 0; b < c.batch; b++) {
            assertEquals(sc.stats().acceptedSteps(b), sg.stats().acceptedSteps(b), "accepted steps of sample " + b);
            assertEquals(sc.stats().rejectedSteps(b), sg.stats().rejectedSteps(b), "rejected steps of sample " + b);
        }
        if (!single || GpuCheck.relativeError(outGpu, outCpu) <= 1e-5) {
            assertClose(outCpu, outGpu, single ? 1e-5 : 1e-12, "output");
        } else {
            // Two float32 solvers differ by the rounding the dynamics amplify: then the GPU's result must be as
            // accurate as the CPU's against float64.
            Case c64 = new Case(23, 36, 4, 2, 4, false, false, Nonlinearity.SIGMOID, Nonlinearity.RELU,
                    Nonlinearity.SILU, Nonlinearity.IDENTITY);
            double[] exact = output(c64.integrator(ConnectomeBackend.CPU).solve(p, spec, r, false, null));
            double gpuError = GpuCheck.relativeError(outGpu, exact);
            double cpuError = GpuCheck.relativeError(outCpu, exact);
            assertTrue(gpuError <= 2 * cpuError, "float32 error against float64: GPU " + gpuError + ", CPU "
                    + cpuError);
        }
    }

    @Test
    void simulatorOnTheGpuReproducesTheWorkedExample() {
        // The specification's worked example through the simulator's public API: float64, Dale's law, adaptive
        // Dopri5 at atol 1e-6 / rtol 1e-3 against the exact solution (the solver's own error is about 2e-5).
        ConnectomeSimulator sim = ConnectomeSimulator.builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).backend(ConnectomeBackend.GPU).build();
        double[] x = new double[WorkedExample.B * WorkedExample.I];
        for (int b = 0; b < WorkedExample.B; b++) {
            System.arraycopy(WorkedExample.X[b], 0, x, b * WorkedExample.I, WorkedExample.I);
        }
        Simulation result = sim.simulate(x, WorkedExample.B, 1, 0.0, 1.0, 5, SolverSpec.adaptive(), null);
        for (int b = 0; b < WorkedExample.B; b++) {
            for (int i = 0; i < WorkedExample.N; i++) {
                assertEquals(WorkedExample.EXACT_DALE[b][i], result.state(b, i, 4), 1e-4, "sample " + b + ", neuron "
                        + i);
            }
        }
        assertEquals(WorkedExample.TORCHODE_STEPS, result.stats().acceptedSteps(0), "accepted steps of sample 0");
    }
}
