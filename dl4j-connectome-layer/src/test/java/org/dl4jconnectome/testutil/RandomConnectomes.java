package org.dl4jconnectome.testutil;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.NegativeWeightPolicy;
import org.dl4jconnectome.connectome.NeuronClass;
import org.dl4jconnectome.connectome.NeuronTypes;
import org.dl4jconnectome.connectome.Nonlinearity;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small seeded random typed connectomes for tests. */
public final class RandomConnectomes {
    private RandomConnectomes() {
    }

    /** Random sparse n×n matrix with about density·n² entries (duplicates possible before summing). */
    public static CsrMatrix matrix(Random rnd, int rows, int cols, double density, double lo, double hi) {
        int entries = Math.max(1, (int) Math.round(density * rows * cols));
        int[] r = new int[entries];
        int[] c = new int[entries];
        double[] v = new double[entries];
        for (int e = 0; e < entries; e++) {
            r[e] = rnd.nextInt(rows);
            c[e] = rnd.nextInt(cols);
            v[e] = lo + (hi - lo) * rnd.nextDouble();
        }
        return CsrMatrix.fromCoo(rows, cols, r, c, v);
    }

    /**
     * A typed connectome: k types assigned at random (each type non-empty when n ≥ k), classes alternating E/I,
     * τ in [1, 3), the given nonlinearities cycled over types.
     *
     * @param signedEdges signed-edge mode (values in [−hi, hi]) instead of Dale's law
     */
    public static Connectome typed(long seed, int n, double density, int k, boolean signedEdges,
                                   Nonlinearity... phi) {
        Random rnd = new Random(seed);
        CsrMatrix w = matrix(rnd, n, n, density, signedEdges ? -1.5 : 0.1, 1.5);
        int[] type = new int[n];
        for (int i = 0; i < n; i++) {
            type[i] = i < k ? i : rnd.nextInt(k);
        }
        NeuronClass[] classes = new NeuronClass[k];
        double[] tau = new double[k];
        Nonlinearity[] nl = new Nonlinearity[k];
        for (int t = 0; t < k; t++) {
            classes[t] = t % 2 == 0 ? NeuronClass.EXCITATORY : NeuronClass.INHIBITORY;
            tau[t] = 1.0 + 2.0 * rnd.nextDouble();
            nl[t] = phi[t % phi.length];
        }
        return Connectome.builder().synapses(w).neuronTypes(NeuronTypes.fromTypeIds(type, k)).typeClasses(classes)
                .typeTau(tau).typeNonlinearity(nl)
                .negativeWeights(signedEdges ? NegativeWeightPolicy.SIGNED_EDGES : NegativeWeightPolicy.REJECT)
                .build();
    }

    /** n distinct random neuron indices out of total. */
    public static int[] distinct(Random rnd, int n, int total) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            all.add(i);
        }
        java.util.Collections.shuffle(all, rnd);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = all.get(i);
        }
        return out;
    }
}
