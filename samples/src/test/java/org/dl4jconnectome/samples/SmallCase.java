package org.dl4jconnectome.samples;

import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.io.Npy;
import org.dl4jconnectome.io.NpyArray;
import org.dl4jconnectome.io.ScipySparseNpz;
import org.dl4jconnectome.ode.StepSchedule;
import org.dl4jconnectome.testutil.HipparchusReference;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A small typed connectome with an input, written as the files of {@code connectome simulate}, and an independent
 * float64 solution of the model from Hipparchus' Dormand–Prince 5(4), restarted at every input-bin edge
 * ({@link HipparchusReference}).
 * Type 0 is excitatory, type 1 inhibitory; each has a nonlinearity: sigmoid, softplus (both smooth, the ReLU after
 * them does nothing) or tanh (which the ReLU clips, leaving a kink in the vector field where its argument crosses 0).
 */
final class SmallCase {
    static final String CLASSES = "excitatory,inhibitory";
    static final String TAUS = "0.6,1.4";
    private static final double[] TAU = {0.6, 1.4};

    final int n;
    final int inputs;
    final int batch;
    final int segments;
    final int[] types;
    /** Nonlinearity name per type. */
    final String[] phi;
    /** Synapse magnitudes, rows = receiving neuron. */
    final CsrMatrix synapses;
    /** N×I input projection. */
    final CsrMatrix projection;
    final double[] bias;
    /** C order [B, I, T]. */
    final double[] input;

    private SmallCase(int n, int inputs, int batch, int segments, int[] types, String[] phi, CsrMatrix synapses,
                      CsrMatrix projection, double[] bias, double[] input) {
        this.n = n;
        this.inputs = inputs;
        this.batch = batch;
        this.segments = segments;
        this.types = types;
        this.phi = phi;
        this.synapses = synapses;
        this.projection = projection;
        this.bias = bias;
        this.input = input;
    }

    /** Random magnitudes in [0.2, 1.7), a third of the pairs connected; both types present. */
    static SmallCase create(long seed, int n, int inputs, int batch, int segments, String phi0, String phi1) {
        Random rnd = new Random(seed);
        int[] types = new int[n];
        for (int i = 0; i < n; i++) {
            types[i] = i < 2 ? i : rnd.nextInt(2);
        }
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = rnd.nextDouble() < 0.33 ? 0.2 + 1.5 * rnd.nextDouble() : 0.0;
            }
        }
        double[][] u = new double[n][inputs];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < inputs; k++) {
                u[i][k] = rnd.nextDouble() < 0.5 ? 2 * rnd.nextDouble() - 1 : 0.0;
            }
        }
        double[] bias = new double[n];
        for (int i = 0; i < n; i++) {
            bias[i] = 0.3 * rnd.nextGaussian();
        }
        double[] x = new double[batch * inputs * segments];
        for (int i = 0; i < x.length; i++) {
            x[i] = 1.5 * rnd.nextGaussian();
        }
        return new SmallCase(n, inputs, batch, segments, types, new String[] {phi0, phi1}, CsrMatrix.fromDense(a),
                CsrMatrix.fromDense(u), bias, x);
    }

    /** The same network with another input, C order [B, I, T]. */
    SmallCase withInput(double[] x, int newBatch, int newSegments) {
        return new SmallCase(n, inputs, newBatch, newSegments, types, phi, synapses, projection, bias, x);
    }

    /**
     * Writes connectome.npz, types.npy, projection.npz, bias.npy and input.npy into {@code dir}.
     *
     * @return the arguments of {@code simulate} for them, without {@code --out}
     */
    List<String> write(Path dir) throws IOException {
        ScipySparseNpz.write(dir.resolve("connectome.npz"), synapses, true);
        ScipySparseNpz.write(dir.resolve("projection.npz"), projection, false);
        Npy.write(dir.resolve("types.npy"), NpyArray.ofInt64(Arrays.stream(types).asLongStream().toArray(),
                n));
        Npy.write(dir.resolve("bias.npy"), NpyArray.ofFloat64(bias, n));
        Npy.write(dir.resolve("input.npy"), NpyArray.ofFloat64(input, batch, inputs, segments));
        return new ArrayList<>(List.of("--connectome", dir.resolve("connectome.npz").toString(),
                "--neuron-types", dir.resolve("types.npy").toString(),
                "--type-classes", CLASSES, "--type-tau", TAUS, "--type-nonlinearity", phi[0] + "," + phi[1],
                "--input-projection", dir.resolve("projection.npz").toString(),
                "--bias", dir.resolve("bias.npy").toString(),
                "--input", dir.resolve("input.npy").toString()));
    }

    /** A_ij s_j with s_j = +1 for type 0 (excitatory) and −1 for type 1 (inhibitory). */
    double[][] daleWeights() {
        double[][] a = synapses.toDense();
        for (double[] row : a) {
            for (int j = 0; j < n; j++) {
                row[j] *= types[j] == 0 ? 1 : -1;
            }
        }
        return a;
    }

    /** The reference solution with Dale's-law weights, [B][N][points]. */
    double[][][] reference(double t0, double t1, int points) {
        return reference(daleWeights(), t0, t1, points);
    }

    /**
     * The reference solution for given effective weights (the library tests' Hipparchus reference, per sample).
     *
     * @param a dense effective weights, rows = receiving neuron
     * @return the states [B][N][points] at linspace(t0, t1, points)
     */
    double[][][] reference(double[][] a, double t0, double t1, int points) {
        double[][] u = projection.toDense();
        double[] tau = new double[n];
        Nonlinearity[] phiOfNeuron = new Nonlinearity[n];
        for (int i = 0; i < n; i++) {
            tau[i] = TAU[types[i]];
            phiOfNeuron[i] = Nonlinearity.parse(phi[types[i]]);
        }
        double[] times = StepSchedule.evaluationPoints(t0, t1, points);
        double[][][] out = new double[batch][n][points];
        for (int b = 0; b < batch; b++) {
            double[][] x = new double[segments][inputs];
            for (int k = 0; k < inputs; k++) {
                for (int s = 0; s < segments; s++) {
                    x[s][k] = input[(b * inputs + k) * segments + s];
                }
            }
            double[][] ref = HipparchusReference.solve(a, u, bias, tau, phiOfNeuron, x, new double[n], times, 1e-13);
            for (int p = 0; p < points; p++) {
                for (int i = 0; i < n; i++) {
                    out[b][i][p] = ref[p][i];
                }
            }
        }
        return out;
    }

    /** The largest |a − ref| over [B, N, points]; {@code a} in C order. */
    static double maxError(double[] a, double[][][] ref) {
        int nn = ref[0].length;
        int pts = ref[0][0].length;
        double max = 0;
        for (int b = 0; b < ref.length; b++) {
            for (int i = 0; i < nn; i++) {
                for (int p = 0; p < pts; p++) {
                    max = Math.max(max, Math.abs(a[(b * nn + i) * pts + p] - ref[b][i][p]));
                }
            }
        }
        return max;
    }
}
