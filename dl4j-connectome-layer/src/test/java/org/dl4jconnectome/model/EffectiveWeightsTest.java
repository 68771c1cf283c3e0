package org.dl4jconnectome.model;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.NegativeWeightPolicy;
import org.dl4jconnectome.connectome.NeuronClass;
import org.dl4jconnectome.connectome.NeuronTypes;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class EffectiveWeightsTest {
    private static final int N = 14;
    private static final int K = 3;

    /** Signed source values (some negative), types i mod 3 with classes E, I, I. */
    private static final class Setup {
        final CsrMatrix source;
        final int[] type = new int[N];
        final NeuronClass[] classes = {NeuronClass.EXCITATORY, NeuronClass.INHIBITORY, NeuronClass.INHIBITORY};
        final Connectome connectome;

        Setup(boolean signedEdges) {
            source = RandomConnectomes.matrix(new Random(3), N, N, 0.3, signedEdges ? -1.5 : 0.1, 1.5);
            for (int i = 0; i < N; i++) {
                type[i] = i % K;
            }
            connectome = Connectome.builder().synapses(source).neuronTypes(NeuronTypes.fromTypeIds(type, K))
                    .typeClasses(classes)
                    .negativeWeights(signedEdges ? NegativeWeightPolicy.SIGNED_EDGES : NegativeWeightPolicy.REJECT)
                    .build();
        }

        /** The expected sign of each synapse from first principles, in CSR order. */
        double[] expectedSigns(boolean signedEdges, boolean allExcitatory) {
            double[] v = source.values();
            int[] pre = source.columnIndices();
            double[] s = new double[v.length];
            for (int k = 0; k < s.length; k++) {
                s[k] = allExcitatory ? 1 : signedEdges ? Math.signum(v[k]) : classes[type[pre[k]]].sign();
            }
            return s;
        }
    }

    private static double[] randomVector(Random rnd, int n, double lo, double hi) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * rnd.nextDouble();
        }
        return v;
    }

    @ParameterizedTest(name = "signedEdges={0}, allExcitatory={1}, gains={2}")
    @CsvSource({"false, false, false", "false, false, true", "false, true, false", "false, true, true",
        "true, false, false", "true, false, true", "true, true, true"})
    void computeIsMagnitudeTimesSignTimesTypePairGain(boolean signedEdges, boolean allExcitatory, boolean gains) {
        Setup setup = new Setup(signedEdges);
        EffectiveWeights ew = new EffectiveWeights(setup.connectome, allExcitatory, gains);
        assertEquals(gains ? K * K : 0, ew.numGains());
        Random rnd = new Random(5);
        int nnz = setup.connectome.numSynapses();
        double[] w = randomVector(rnd, nnz, 0, 2);
        // G[post type][pre type], flattened post-major.
        double[][] g = new double[K][K];
        double[] flat = new double[K * K];
        for (int post = 0; post < K; post++) {
            for (int pre = 0; pre < K; pre++) {
                g[post][pre] = 0.5 + post + 0.1 * pre;
                flat[post * K + pre] = g[post][pre];
            }
        }
        double[] out = new double[nnz];
        ew.compute(w, gains ? flat : null, out);
        double[] sign = setup.expectedSigns(signedEdges, allExcitatory);
        int[] postIdx = setup.source.rowIndices();
        int[] preIdx = setup.source.columnIndices();
        for (int k = 0; k < nnz; k++) {
            double gain = gains ? g[setup.type[postIdx[k]]][setup.type[preIdx[k]]] : 1;
            assertEquals(w[k] * sign[k] * gain, out[k], 1e-15, "synapse " + k);
        }
    }

    @Test
    void unitMagnitudesReproduceTheSignedMatrix() {
        // With W = the connectome's magnitudes and no gains, the effective weights are its signed synapses.
        for (boolean signedEdges : new boolean[] {false, true}) {
            Connectome c = new Setup(signedEdges).connectome;
            double[] out = new double[c.numSynapses()];
            new EffectiveWeights(c, false, false).compute(c.synapses().values(), null, out);
            assertArrayEquals(c.signedSynapses().values(), out, 0);
        }
    }

    /** L(W, G) = Σ_k cot_k · a_k(W, G). */
    private static double loss(EffectiveWeights ew, double[] w, double[] gains, double[] cot) {
        double[] a = new double[w.length];
        ew.compute(w, gains, a);
        double l = 0;
        for (int k = 0; k < a.length; k++) {
            l += cot[k] * a[k];
        }
        return l;
    }

    @ParameterizedTest(name = "signedEdges={0}, allExcitatory={1}, gains={2}")
    @CsvSource({"false, false, true", "false, true, true", "true, false, true", "false, false, false",
        "true, false, false"})
    void backwardMatchesFiniteDifferences(boolean signedEdges, boolean allExcitatory, boolean gains) {
        Setup setup = new Setup(signedEdges);
        EffectiveWeights ew = new EffectiveWeights(setup.connectome, allExcitatory, gains);
        Random rnd = new Random(7);
        int nnz = setup.connectome.numSynapses();
        double[] w = randomVector(rnd, nnz, 0, 2);
        double[] g = gains ? randomVector(rnd, K * K, 0.2, 2) : null;
        double[] cot = randomVector(rnd, nnz, -1, 1);
        double[] wGrad = new double[nnz];
        double[] gGrad = gains ? new double[K * K] : null;
        Arrays.fill(wGrad, Double.NaN); // overwritten, not accumulated
        if (gains) {
            Arrays.fill(gGrad, Double.NaN);
        }
        ew.backward(cot, w, g, wGrad, gGrad);

        double eps = 1e-6;
        for (int k = 0; k < nnz; k++) {
            double keep = w[k];
            w[k] = keep + eps;
            double lp = loss(ew, w, g, cot);
            w[k] = keep - eps;
            double lm = loss(ew, w, g, cot);
            w[k] = keep;
            assertEquals((lp - lm) / (2 * eps), wGrad[k], 1e-8, "dL/dW[" + k + "]");
        }
        if (gains) {
            for (int p = 0; p < K * K; p++) {
                double keep = g[p];
                g[p] = keep + eps;
                double lp = loss(ew, w, g, cot);
                g[p] = keep - eps;
                double lm = loss(ew, w, g, cot);
                g[p] = keep;
                assertEquals((lp - lm) / (2 * eps), gGrad[p], 1e-8, "dL/dG[" + p + "]");
            }
        }
    }

    @Test
    void backwardSkipsGradientsThatAreNotRequested() {
        Setup setup = new Setup(false);
        EffectiveWeights ew = new EffectiveWeights(setup.connectome, false, true);
        int nnz = setup.connectome.numSynapses();
        double[] w = randomVector(new Random(1), nnz, 0, 1);
        double[] g = randomVector(new Random(2), K * K, 0.5, 1.5);
        double[] cot = randomVector(new Random(3), nnz, -1, 1);
        double[] gGrad = new double[K * K];
        ew.backward(cot, w, g, null, gGrad);
        double[] wGrad = new double[nnz];
        ew.backward(cot, w, g, wGrad, null);
        double[] gGradBoth = new double[K * K];
        double[] wGradBoth = new double[nnz];
        ew.backward(cot, w, g, wGradBoth, gGradBoth);
        assertArrayEquals(gGradBoth, gGrad, 0);
        assertArrayEquals(wGradBoth, wGrad, 0);
    }
}
