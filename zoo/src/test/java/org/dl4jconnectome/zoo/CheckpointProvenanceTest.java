package org.dl4jconnectome.zoo;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provenance beside each shipped checkpoint reads back, and what it records can be checked independently. */
class CheckpointProvenanceTest {
    /** SHA-256 of the fly connectome's JSON as its data README records it (computed when it was bundled). */
    private static final String FLYVIS_JSON_SHA256 = "bfbb0766251ff09e22723d0ebbf7b14793e70b3ae8ad0eea64eac9d28223351a";

    static List<String> ids() {
        return ConnectomeZooModel.ids();
    }

    @ParameterizedTest
    @MethodSource("ids")
    void readsBackWithEveryPartFilledIn(String id) throws IOException {
        String text = ZooFixtures.shippedText(id + ".provenance.json");
        CheckpointProvenance p = CheckpointProvenance.read(new ByteArrayInputStream(text.getBytes(
                StandardCharsets.UTF_8)), id);
        assertEquals(text, p.toJson(), "reading and writing give the file back");
        assertEquals(id, p.id());
        assertTrue(!p.description().isEmpty());
        assertNotNull(p.connectome().name());
        assertNotNull(p.connectome().source());
        assertTrue(p.connectome().version().contains("commit "), p.connectome().version());
        assertEquals(64, p.network().configurationSha256().length());
        assertEquals(4, p.network().layers().size());
        assertTrue(p.solver().training().startsWith("dopri5 fixed"), p.solver().training());
        assertEquals(p.network().spec().epochs(), p.training().epochs());
        assertEquals(p.network().spec().trainDigits(), p.training().digits());
        assertEquals((long) p.training().epochs() * ((p.training().digits() + p.training().batch() - 1)
                / p.training().batch()), p.training().iterations(), "iterations = epochs x batches");
        assertTrue(p.training().seconds() > 0);
        assertTrue(p.test().accuracy() > 0 && p.test().accuracy() <= 1);
        assertTrue(p.software().library().startsWith("dl4j-connectome "), p.software().library());
        assertEquals("1.0.0-M2.1", p.software().dl4j());
        assertTrue(p.software().commit().matches("[0-9a-f]{40}"), "the commit that trained it: "
                + p.software().commit());
        assertTrue(p.software().command().startsWith("connectome zoo train " + id), p.software().command());
    }

    @ParameterizedTest
    @MethodSource("ids")
    void theRecordedDataHashesAreThoseOfTheBundledData(String id) throws Exception {
        CheckpointProvenance p = ConnectomeZooModel.of(id).provenance();
        assertEquals(ZooFixtures.rawDigitsSha256(0, p.training().digits()), p.training().dataSha256());
        assertEquals(ZooFixtures.rawDigitsSha256(8000, 10000), p.test().dataSha256());
        assertEquals(2000, p.test().digits());
        for (Map.Entry<String, String> f : p.connectome().dataFiles().entrySet()) {
            byte[] data;
            try (var in = getClass().getClassLoader().getResourceAsStream(f.getKey())) {
                assertNotNull(in, f.getKey());
                data = in.readAllBytes();
            }
            assertEquals(ZooFixtures.sha256(data), f.getValue(), f.getKey());
        }
        if (id.equals(FlyVisMnist.ID)) {
            assertEquals(FLYVIS_JSON_SHA256,
                    p.connectome().dataFiles().get("org/dl4jconnectome/datasets/flyvis/fib25-fib19_v2.2.json"));
            assertEquals(13_741, p.connectome().neurons(), "extent 8");
        } else {
            assertEquals(299, p.connectome().neurons());
            assertEquals(117, p.connectome().types());
        }
    }

    @ParameterizedTest
    @MethodSource("ids")
    void laterVersionsFieldsAreIgnoredWhenReading(String id) throws IOException {
        String text = ZooFixtures.shippedText(id + ".provenance.json").replaceFirst("\\{",
                "{\n  \"addedLater\" : {\"x\" : 1},");
        CheckpointProvenance p = CheckpointProvenance.read(new ByteArrayInputStream(text.getBytes(
                StandardCharsets.UTF_8)), id);
        assertEquals(ConnectomeZooModel.of(id).provenance().toJson(), p.toJson());
    }
}
