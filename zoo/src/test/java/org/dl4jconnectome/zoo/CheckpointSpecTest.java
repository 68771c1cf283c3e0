package org.dl4jconnectome.zoo;

import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checkpoint settings as data: reading, checking, and the network they build. */
class CheckpointSpecTest {
    private static MnistConnectome worm;

    @BeforeAll
    static void buildWorm() {
        worm = MnistConnectome.cElegans();
    }

    private static CheckpointSpec spec(String fields) throws IOException {
        return CheckpointSpec.parse("{\"id\": \"test-spec\"" + (fields.isEmpty() ? "" : ", " + fields) + "}",
                "test.json");
    }

    private static String error(String fields) {
        return assertThrows(IOException.class, () -> spec(fields)).getMessage();
    }

    @Test
    void theDefaultsAreTheClassifiersDefaults() throws IOException {
        CheckpointSpec s = spec("");
        assertEquals(MnistClassifier.builder().build(), s.classifier());
        assertEquals(5, s.epochs());
        assertEquals(32, s.batch());
        assertEquals(Mnist.TRAIN_SIZE, s.trainDigits());
        assertNull(s.typeTau());
        assertNull(s.typePairGainInit());
        // Without initial values the spec builds exactly the classifier's network.
        CheckpointSpec w = spec("\"connectome\": \"celegans\"");
        assertEquals(MnistClassifier.builder().kind(MnistClassifier.Kind.CELEGANS).build().configuration(worm)
                .toJson(), w.configuration(worm).toJson());
    }

    @Test
    void everySettingIsRead() throws IOException {
        CheckpointSpec s = spec("\"description\": \"d\", \"connectome\": \"celegans\", \"extent\": 3, \"hidden\": 16, "
                + "\"learningRate\": 0.01, \"evaluationPoints\": 5, \"endTime\": 2.5, \"tauMin\": 0.75, \"seed\": 7, "
                + "\"epochs\": 2, \"batch\": 8, \"trainDigits\": 100");
        assertEquals(MnistClassifier.builder().kind(MnistClassifier.Kind.CELEGANS).extent(3).hidden(16)
                .learningRate(0.01).evaluationPoints(5).endTime(2.5).tauMin(0.75).seed(7).build(), s.classifier());
        assertEquals("d", s.description());
        assertEquals(2, s.epochs());
        assertEquals(8, s.batch());
        assertEquals(100, s.trainDigits());
        assertEquals(s, CheckpointSpec.parse(s.toJson(), "round trip"));
    }

    @Test
    void settingsCanBeReplacedAsText() throws IOException {
        CheckpointSpec s = spec("\"connectome\": \"celegans\", \"epochs\": 3");
        CheckpointSpec changed = s.with(java.util.Map.of("hidden", "64", "learningRate", "0.005", "typeTau", "0.9, 1.1",
                "connectome", "flyvis"), "changes");
        assertEquals(64, changed.classifier().hidden());
        assertEquals(0.005, changed.classifier().learningRate());
        assertEquals(MnistClassifier.Kind.FLYVIS, changed.kind());
        assertArrayEquals(new double[] {0.9, 1.1}, changed.typeTau(), 0.0);
        assertEquals(3, changed.epochs(), "unchanged");
        assertEquals("test-spec", changed.id());
        assertEquals(3, s.with(java.util.Map.of(), "none").epochs());

        assertEquals("changes: typeTau = 1,x: 'x' is not a number", assertThrows(IOException.class,
                () -> s.with(java.util.Map.of("typeTau", "1,x"), "changes")).getMessage());
        assertEquals("changes: batch = 0: expected at least 1", assertThrows(IOException.class,
                () -> s.with(java.util.Map.of("batch", "0"), "changes")).getMessage());
        assertTrue(assertThrows(IOException.class, () -> s.with(java.util.Map.of("epoch", "2"), "changes"))
                .getMessage().startsWith("changes: not a checkpoint spec: Unrecognized field \"epoch\""));
        assertTrue(assertThrows(IOException.class, () -> s.with(java.util.Map.of("hidden", "many"), "changes"))
                .getMessage().startsWith("changes: not a checkpoint spec: "));
    }

    @Test
    void initialTimeConstantsAndGainsReachTheLayer() throws IOException {
        int k = worm.connectome().numTypes();
        ConnectomeOdeLayer one = spec("\"connectome\": \"celegans\", \"typeTau\": [0.8], \"typePairGainInit\": [1.5]")
                .odeLayer(worm);
        double[] tau = new double[k];
        Arrays.fill(tau, 0.8);
        assertArrayEquals(tau, one.getConnectome().typeTaus(), 0.0);
        double[] gains = new double[k * k];
        Arrays.fill(gains, 1.5);
        assertArrayEquals(gains, one.getTypePairGainInit(), 0.0);

        StringBuilder perType = new StringBuilder();
        for (int t = 0; t < k; t++) {
            tau[t] = 0.6 + 0.01 * t;
            perType.append(t == 0 ? "" : ",").append(tau[t]);
        }
        ConnectomeOdeLayer each = spec("\"connectome\": \"celegans\", \"typeTau\": [" + perType + "]").odeLayer(worm);
        assertArrayEquals(tau, each.getConnectome().typeTaus(), 0.0);
        assertNull(each.getTypePairGainInit());
    }

    @Test
    void listsOfTheWrongLengthNameTheFieldAndTheConnectome() throws IOException {
        CheckpointSpec s = spec("\"connectome\": \"celegans\", \"typeTau\": [1, 1]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.odeLayer(worm));
        assertEquals("spec test-spec: typeTau = 2 values: expected 1 or one per neuron type (117 for celegans)",
                e.getMessage());
        CheckpointSpec g = spec("\"connectome\": \"celegans\", \"typePairGainInit\": [1, 1, 1]");
        e = assertThrows(IllegalArgumentException.class, () -> g.odeLayer(worm));
        assertEquals("spec test-spec: typePairGainInit = 3 values: expected 1 or K x K = 13689 (117 types)",
                e.getMessage());
    }

    @Test
    void badValuesNameTheSourceTheFieldAndWhatIsExpected() {
        assertEquals("test.json: epochs = 0: expected at least 1", error("\"epochs\": 0"));
        assertEquals("test.json: batch = -1: expected at least 1", error("\"batch\": -1"));
        assertEquals("test.json: trainDigits = 9000: expected 1..8000 (the first N digits of the bundled training "
                + "split)", error("\"trainDigits\": 9000"));
        assertEquals("test.json: connectome = worm: expected flyvis or celegans", error("\"connectome\": \"worm\""));
        assertEquals("test.json: tauMin = 2.0: expected in (0, 1] (the initial time constant is 1)",
                error("\"tauMin\": 2"));
        assertEquals("test.json: hidden = 0: expected at least 1", error("\"hidden\": 0"));
        assertEquals("test.json: typeTau[1] = -1.0: expected a positive number", error("\"typeTau\": [1, -1]"));
        assertEquals("test.json: typePairGainInit = []: expected one value or one per entry",
                error("\"typePairGainInit\": []"));
        String id = assertThrows(IOException.class, () -> CheckpointSpec.parse("{\"id\": \"Fly Vis\"}", "x.json"))
                .getMessage();
        assertEquals("x.json: id = Fly Vis: expected a name of lower-case letters, digits and single '-' (e.g. "
                + "flyvis-mnist)", id);
        assertTrue(assertThrows(IOException.class, () -> CheckpointSpec.parse("{}", "x.json")).getMessage()
                .startsWith("x.json: id = null"));
    }

    @Test
    void malformedJsonAndUnknownFieldsAreRefused() {
        String unknown = error("\"epoch\": 3");
        assertTrue(unknown.startsWith("test.json: not a checkpoint spec: Unrecognized field \"epoch\""), unknown);
        String type = error("\"epochs\": \"many\"");
        assertTrue(type.startsWith("test.json: not a checkpoint spec: "), type);
        assertTrue(assertThrows(IOException.class, () -> CheckpointSpec.parse("{\"id\": ", "cut.json")).getMessage()
                .startsWith("cut.json: not a checkpoint spec: "));
        assertEquals("empty.json: not a checkpoint spec: empty",
                assertThrows(IOException.class, () -> CheckpointSpec.parse("null", "empty.json")).getMessage());
        assertTrue(error("\"seed\": null").startsWith("test.json: not a checkpoint spec: "));
    }
}
