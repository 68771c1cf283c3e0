package org.dl4jconnectome.connectome;

import org.dl4jconnectome.testutil.RandomConnectomes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectomeTest {
    /** 4 neurons, 6 synapses with two negative values: (0,1) = -0.5 and (3,2) = -2. */
    private static CsrMatrix signedMatrix() {
        return CsrMatrix.fromCoo(4, 4, new int[] {0, 0, 1, 2, 3, 3}, new int[] {1, 3, 0, 2, 2, 0},
                new double[] {-0.5, 1.0, 2.0, 0.0, -2.0, 0.75});
    }

    private static CsrMatrix positiveMatrix() {
        return CsrMatrix.fromCoo(3, 3, new int[] {0, 1, 2, 2}, new int[] {1, 2, 0, 1}, new double[] {1, 2, 3, 4});
    }

    private static IllegalArgumentException buildFails(Connectome.Builder b) {
        return assertThrows(IllegalArgumentException.class, b::build);
    }

    @Test
    void defaultsAreOneExcitatorySigmoidTypeWithTauOne() {
        Connectome c = Connectome.builder().synapses(positiveMatrix()).build();
        assertEquals(3, c.numNeurons());
        assertEquals(4, c.numSynapses());
        assertEquals(1, c.numTypes());
        assertEquals(NeuronClass.EXCITATORY, c.typeClass(0));
        assertEquals(1.0, c.typeTau(0));
        assertEquals(Nonlinearity.SIGMOID, c.typeNonlinearity(0));
        assertEquals("type0", c.typeName(0));
        assertNull(c.name());
        assertFalse(c.hasEdgeSigns());
        assertArrayEquals(new double[] {1, 1, 1, 1}, c.synapseSigns(), 0);
        assertEquals(positiveMatrix(), c.synapses());
    }

    @Test
    void missingOrNonSquareSynapsesAreRejected() {
        assertTrue(buildFails(Connectome.builder()).getMessage().contains("synapses is not set"));
        CsrMatrix rect = CsrMatrix.fromCoo(2, 3, new int[] {0}, new int[] {2}, new double[] {1});
        assertTrue(buildFails(Connectome.builder().synapses(rect)).getMessage().contains("2 x 3"));
        CsrMatrix empty = CsrMatrix.fromCoo(0, 0, new int[0], new int[0], new double[0]);
        assertTrue(buildFails(Connectome.builder().synapses(empty)).getMessage().contains("non-empty square"));
    }

    @Test
    void aStrayHugeTypeIdIsAnErrorNotAnOutOfMemoryError() {
        int[] ids = {0, 1, 0, 1_000_000_000};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Connectome.builder().synapses(signedMatrix()).negativeWeights(NegativeWeightPolicy.ABS)
                        .neuronTypes(NeuronTypes.fromTypeIds(ids)).build());
        assertTrue(e.getMessage().contains("typeIds[3] = 1000000000 is out of range"), e.getMessage());
    }

    @Test
    void typesMustCoverEveryNeuron() {
        IllegalArgumentException e = buildFails(Connectome.builder().synapses(positiveMatrix())
                .neuronTypes(NeuronTypes.fromTypeIds(new int[] {0, 1})));
        assertTrue(e.getMessage().contains("covers 2 neurons but the synapse matrix has 3"), e.getMessage());
    }

    @Test
    void perTypeListsOfWrongLengthAreRejected() {
        NeuronTypes two = NeuronTypes.fromTypeIds(new int[] {0, 1, 1});
        Connectome.Builder base = Connectome.builder().synapses(positiveMatrix()).neuronTypes(two);
        assertTrue(buildFails(base.typeClasses(NeuronClass.EXCITATORY)).getMessage()
                .contains("typeClasses has 1 entries, expected one per neuron type (2)"));
        base.typeClasses((NeuronClass[]) null);
        assertTrue(buildFails(base.typeTau(1, 2, 3)).getMessage().contains("typeTau has 3 entries"));
        base.typeTau((double[]) null);
        assertTrue(buildFails(base.typeNames("a")).getMessage().contains("typeNames has 1 entries"));
        base.typeNames((String[]) null);
        assertTrue(buildFails(base.typeNonlinearity(Nonlinearity.TANH, Nonlinearity.RELU, Nonlinearity.ELU))
                .getMessage().contains("typeNonlinearity has 3 entries"));
        // A single nonlinearity applies to every type.
        Connectome c = base.typeNonlinearity(Nonlinearity.TANH).build();
        assertEquals(Nonlinearity.TANH, c.typeNonlinearity(0));
        assertEquals(Nonlinearity.TANH, c.typeNonlinearity(1));
        assertTrue(buildFails(base.typeClasses(NeuronClass.EXCITATORY, null)).getMessage()
                .contains("typeClasses[1] is null"));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY})
    void nonPositiveOrNonFiniteTauIsRejected(double bad) {
        IllegalArgumentException e = buildFails(Connectome.builder().synapses(positiveMatrix())
                .neuronTypes(NeuronTypes.fromTypeIds(new int[] {0, 1, 1})).typeTau(2.0, bad));
        assertTrue(e.getMessage().contains("typeTau[1]"), e.getMessage());
    }

    @Test
    void negativeValuesAreRejectedByDefault() {
        IllegalArgumentException e = buildFails(Connectome.builder().synapses(signedMatrix()));
        assertTrue(e.getMessage().contains("(row 0, column 1) is negative (-0.5)"), e.getMessage());
        assertTrue(e.getMessage().contains("NegativeWeightPolicy"), e.getMessage());
        buildFails(Connectome.builder().synapses(signedMatrix()).negativeWeights(NegativeWeightPolicy.REJECT));
    }

    @Test
    void absPolicyUsesMagnitudes() {
        Connectome c = Connectome.builder().synapses(signedMatrix()).negativeWeights(NegativeWeightPolicy.ABS).build();
        double[][] d = signedMatrix().toDense();
        for (int r = 0; r < 4; r++) {
            for (int col = 0; col < 4; col++) {
                assertEquals(Math.abs(d[r][col]), c.synapses().get(r, col), 0);
            }
        }
        assertFalse(c.hasEdgeSigns());
        assertEquals(signedMatrix().nnz(), c.numSynapses());
    }

    @Test
    void clampPolicyZeroesNegativesButKeepsTheSynapses() {
        Connectome c = Connectome.builder().synapses(signedMatrix())
                .negativeWeights(NegativeWeightPolicy.CLAMP_TO_ZERO).build();
        assertEquals(signedMatrix().nnz(), c.numSynapses(), "clamped synapses stay in the structure");
        assertArrayEquals(signedMatrix().columnIndices(), c.synapses().columnIndices());
        double[][] d = signedMatrix().toDense();
        for (int r = 0; r < 4; r++) {
            for (int col = 0; col < 4; col++) {
                assertEquals(Math.max(0, d[r][col]), c.synapses().get(r, col), 0);
            }
        }
    }

    @Test
    void signedEdgeModeKeepsEachSynapsesSign() {
        Connectome c = Connectome.builder().synapses(signedMatrix())
                .negativeWeights(NegativeWeightPolicy.SIGNED_EDGES).build();
        assertTrue(c.hasEdgeSigns());
        double[] original = signedMatrix().values();
        double[] magnitudes = c.synapses().values();
        double[] signs = c.synapseSigns();
        for (int k = 0; k < original.length; k++) {
            assertEquals(Math.abs(original[k]), magnitudes[k], 0);
            assertEquals(original[k] < 0 ? -1.0 : 1.0, signs[k], 0, "entry " + k);
        }
        assertEquals(signedMatrix(), c.signedSynapses());
        // Signed-edge mode ignores the type classes.
        Connectome inhibitory = c.toBuilder().typeClasses(NeuronClass.INHIBITORY).build();
        assertArrayEquals(signs, inhibitory.synapseSigns(), 0);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void daleSignsComeFromThePresynapticTypeClass(long seed) {
        Random rnd = new Random(seed);
        int n = 12;
        CsrMatrix w = RandomConnectomes.matrix(rnd, n, n, 0.3, 0.1, 2.0);
        int[] type = new int[n];
        for (int i = 0; i < n; i++) {
            type[i] = i % 3;
        }
        NeuronClass[] classes = {NeuronClass.EXCITATORY, NeuronClass.INHIBITORY, NeuronClass.INHIBITORY};
        Connectome c = Connectome.builder().synapses(w).neuronTypes(NeuronTypes.fromTypeIds(type, 3))
                .typeClasses(classes).build();
        double[][] dense = w.toDense();
        CsrMatrix signed = c.signedSynapses();
        for (int post = 0; post < n; post++) {
            for (int pre = 0; pre < n; pre++) {
                double expected = type[pre] == 0 ? dense[post][pre] : -dense[post][pre];
                assertEquals(expected, signed.get(post, pre), 0, "(" + post + ", " + pre + ")");
            }
        }
        int[] col = w.columnIndices();
        double[] s = c.synapseSigns();
        for (int k = 0; k < s.length; k++) {
            assertEquals(type[col[k]] == 0 ? 1.0 : -1.0, s[k], 0);
        }
    }

    @Test
    void typeClassesFromStrings() {
        Connectome c = Connectome.builder().synapses(positiveMatrix())
                .neuronTypes(NeuronTypes.fromTypeIds(new int[] {0, 1, 1})).typeClasses(List.of("exc", "Inhibitory"))
                .build();
        assertEquals(NeuronClass.EXCITATORY, c.typeClass(0));
        assertEquals(NeuronClass.INHIBITORY, c.typeClass(1));
        assertThrows(IllegalArgumentException.class,
                () -> Connectome.builder().typeClasses(List.of("excitatory", "neutral")));
    }

    @Test
    void propertiesAreCopiedAndExposed() {
        double[] tau = {1.5, 2.5};
        NeuronClass[] classes = {NeuronClass.INHIBITORY, NeuronClass.EXCITATORY};
        Connectome c = Connectome.builder().name("demo").synapses(positiveMatrix())
                .neuronTypes(NeuronTypes.fromTypeIds(new int[] {0, 1, 1})).typeTau(tau).typeClasses(classes)
                .typeNames("A", "B").typeNonlinearity(Nonlinearity.RELU, Nonlinearity.TANH).build();
        tau[0] = 99;
        classes[0] = NeuronClass.EXCITATORY;
        assertEquals("demo", c.name());
        assertArrayEquals(new double[] {1.5, 2.5}, c.typeTaus(), 0);
        assertEquals(NeuronClass.INHIBITORY, c.typeClass(0));
        assertEquals("B", c.typeName(1));
        assertEquals(Nonlinearity.TANH, c.typeNonlinearity(1));
        c.typeTaus()[1] = 7;
        assertEquals(2.5, c.typeTau(1));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void toBuilderRebuildsAnEqualConnectome(boolean signedEdges) {
        Connectome c = RandomConnectomes.typed(7, 15, 0.2, 3, signedEdges, Nonlinearity.SIGMOID, Nonlinearity.TANH);
        Connectome copy = c.toBuilder().build();
        assertEquals(c, copy);
        assertEquals(c.hashCode(), copy.hashCode());
        assertArrayEquals(c.synapseSigns(), copy.synapseSigns(), 0);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void withSynapseMagnitudesKeepsSignsAndStructure(boolean signedEdges) {
        Connectome c = RandomConnectomes.typed(8, 10, 0.3, 2, signedEdges, Nonlinearity.SIGMOID);
        double[] m = new double[c.numSynapses()];
        for (int k = 0; k < m.length; k++) {
            m[k] = 0.5 * k;
        }
        Connectome d = c.withSynapseMagnitudes(m);
        assertArrayEquals(m, d.synapses().values(), 0);
        assertArrayEquals(c.synapses().columnIndices(), d.synapses().columnIndices());
        assertArrayEquals(c.synapseSigns(), d.synapseSigns(), 0);
        assertEquals(c.hasEdgeSigns(), d.hasEdgeSigns());
        m[1] = -1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.withSynapseMagnitudes(m));
        assertTrue(e.getMessage().contains("magnitudes[1]"), e.getMessage());
    }

    @Test
    void signedEdgeSignSurvivesAZeroMagnitude() {
        // A negative synapse whose magnitude became 0 (e.g. by training) is still an inhibitory synapse: rebuilding
        // the connectome must not turn it excitatory.
        Connectome c = Connectome.builder().synapses(signedMatrix())
                .negativeWeights(NegativeWeightPolicy.SIGNED_EDGES).build();
        double[] m = c.synapses().values();
        m[0] = 0.0; // entry (0,1), sign -1
        Connectome zeroed = c.withSynapseMagnitudes(m);
        assertEquals(-1.0, zeroed.synapseSigns()[0], 0);
        Connectome rebuilt = zeroed.toBuilder().build();
        assertArrayEquals(zeroed.synapseSigns(), rebuilt.synapseSigns(), 0);
        assertEquals(zeroed, rebuilt);
    }
}
