package org.dl4jconnectome.datasets;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.NeuronClass;
import org.dl4jconnectome.connectome.NeuronTypes;
import org.dl4jconnectome.connectome.Nonlinearity;

/**
 * Seeded random typed connectomes for benchmarks and the tutorial.
 * <ul>
 * <li><b>Structure</b>: a uniformly random set of exactly {@code numSynapses} distinct (post, pre) pairs out of all
 * N² (self-connections included).</li>
 * <li><b>Magnitudes</b>: uniform in (0, 1], times 1 / √(mean in-degree) = 1 / √(numSynapses / numNeurons), so that
 * a neuron's summed input stays of order one whatever the density.</li>
 * <li><b>Types</b>: neuron i has type ⌊i · K / N⌋ (contiguous blocks of equal size up to one neuron; for K = 2 the
 * first and second half). Even types are {@link NeuronClass#EXCITATORY}, odd types {@link NeuronClass#INHIBITORY};
 * signs follow the presynaptic type (Dale's law). Type names are "E0", "I1", "E2", ….</li>
 * <li><b>Dynamics</b>: τ = {@link #EXCITATORY_TAU} for excitatory and {@link #INHIBITORY_TAU} for inhibitory types
 * (the tutorial's [1.25, 2.0] for K = 2); sigmoid for every type.</li>
 * </ul>
 * The same arguments and seed give the same connectome (for a given Java version, whose {@link SplittableRandom}
 * algorithm is fixed).
 */
public final class SyntheticConnectome {
    /** Number of neurons of the tutorial network. */
    public static final int TUTORIAL_NEURONS = 47_521;
    /** Number of synapses of the tutorial network. */
    public static final long TUTORIAL_SYNAPSES = 4_623_254L;
    /** τ of every excitatory type. */
    public static final double EXCITATORY_TAU = 1.25;
    /** τ of every inhibitory type. */
    public static final double INHIBITORY_TAU = 2.0;

    // The most entries a Java array (and so a CsrMatrix) can hold on common JVMs.
    private static final long MAX_SYNAPSES = Integer.MAX_VALUE - 8;

    private SyntheticConnectome() {
    }

    /**
     * A random typed connectome (see the class description).
     *
     * @param numNeurons  N ≥ 1
     * @param numSynapses the exact number of synapses, in [0, N²] and at most 2³¹ − 9
     * @param numTypes    K, in [1, N]
     * @param seed        the random seed
     * @throws IllegalArgumentException if an argument is out of range
     */
    public static Connectome generate(int numNeurons, long numSynapses, int numTypes, long seed) {
        if (numNeurons < 1) {
            throw new IllegalArgumentException("numNeurons = " + numNeurons + ": expected at least 1");
        }
        long pairs = (long) numNeurons * numNeurons;
        if (numSynapses < 0 || numSynapses > Math.min(pairs, MAX_SYNAPSES)) {
            throw new IllegalArgumentException("numSynapses = " + numSynapses + ": expected 0.."
                    + Math.min(pairs, MAX_SYNAPSES) + " (at most numNeurons² distinct pairs, and an array's capacity)");
        }
        if (numTypes < 1 || numTypes > numNeurons) {
            throw new IllegalArgumentException("numTypes = " + numTypes + ": expected 1.." + numNeurons
                    + " (at least one neuron per type)");
        }
        SplittableRandom random = new SplittableRandom(seed);
        // Sampling the smaller of the set and its complement keeps rejection cheap even for dense matrices.
        long[] keys = numSynapses <= pairs / 2
                ? sampleDistinct(pairs, (int) numSynapses, random)
                : complement(sampleDistinct(pairs, (int) (pairs - numSynapses), random), pairs, (int) numSynapses);

        int m = keys.length;
        int[] post = new int[m];
        int[] pre = new int[m];
        double[] w = new double[m];
        double scale = m == 0 ? 1.0 : 1.0 / Math.sqrt((double) m / numNeurons);
        for (int k = 0; k < m; k++) {
            post[k] = (int) (keys[k] / numNeurons);
            pre[k] = (int) (keys[k] % numNeurons);
            w[k] = scale * (1.0 - random.nextDouble());
        }

        int[] typeIds = new int[numNeurons];
        for (int i = 0; i < numNeurons; i++) {
            typeIds[i] = (int) ((long) i * numTypes / numNeurons);
        }
        NeuronClass[] classes = new NeuronClass[numTypes];
        double[] tau = new double[numTypes];
        String[] names = new String[numTypes];
        for (int t = 0; t < numTypes; t++) {
            boolean excitatory = t % 2 == 0;
            classes[t] = excitatory ? NeuronClass.EXCITATORY : NeuronClass.INHIBITORY;
            tau[t] = excitatory ? EXCITATORY_TAU : INHIBITORY_TAU;
            names[t] = (excitatory ? "E" : "I") + t;
        }
        return Connectome.builder()
                .name("synthetic(N=" + numNeurons + ", S=" + numSynapses + ", K=" + numTypes + ", seed=" + seed + ")")
                .synapses(CsrMatrix.fromCoo(numNeurons, numNeurons, post, pre, w))
                .neuronTypes(NeuronTypes.fromTypeIds(typeIds, numTypes))
                .typeClasses(classes)
                .typeTau(tau)
                .typeNonlinearity(Nonlinearity.SIGMOID)
                .typeNames(names)
                .build();
    }

    /** The tutorial network: {@value #TUTORIAL_NEURONS} neurons, {@value #TUTORIAL_SYNAPSES} synapses, 2 types. */
    public static Connectome tutorialScale(long seed) {
        return generate(TUTORIAL_NEURONS, TUTORIAL_SYNAPSES, 2, seed);
    }

    /**
     * k distinct values of [0, bound), ascending, uniformly among all k-subsets: draws fill the free slots, then
     * duplicates are dropped, until k remain. The procedure treats every value alike, so every k-subset is equally
     * likely.
     */
    private static long[] sampleDistinct(long bound, int k, SplittableRandom random) {
        long[] a = new long[k];
        int distinct = 0;
        while (distinct < k) {
            for (int i = distinct; i < k; i++) {
                a[i] = random.nextLong(bound);
            }
            Arrays.sort(a);
            distinct = 0;
            for (int i = 0; i < k; i++) {
                if (i == 0 || a[i] != a[i - 1]) {
                    a[distinct++] = a[i];
                }
            }
        }
        return a;
    }

    /** The values of [0, bound) not in the ascending array {@code excluded}, which leaves {@code size} of them. */
    private static long[] complement(long[] excluded, long bound, int size) {
        long[] out = new long[size];
        int e = 0;
        int k = 0;
        for (long x = 0; x < bound; x++) {
            if (e < excluded.length && excluded[e] == x) {
                e++;
            } else {
                out[k++] = x;
            }
        }
        return out;
    }
}
