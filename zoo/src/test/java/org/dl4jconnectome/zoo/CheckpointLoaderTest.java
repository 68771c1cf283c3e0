package org.dl4jconnectome.zoo;

import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.PretrainedType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a checkpoint comes from when the jar does not hold it (DL4J's cache directory, then a base URL) and what
 * happens to files that are not the checkpoint: truncated, corrupt, too long, or failing a checksum.
 */
class CheckpointLoaderTest {
    private static final String ID = CElegansMnist.ID;
    private static final String FILE = ID + ".zip";
    private static byte[] shipped;
    private static double[][] reference;
    private static Mnist mnist;

    @TempDir
    Path base;
    private Path cached;

    @BeforeAll
    static void loadTheShippedCheckpoint() throws IOException {
        shipped = ZooFixtures.shippedBytes(FILE);
        mnist = Mnist.bundled();
        reference = ZooFixtures.outputs(new CElegansMnist().initPretrained(), mnist, 8000, 8008);
    }

    @BeforeEach
    void privateCache() throws IOException {
        DL4JResources.setBaseDirectory(Files.createDirectories(base.resolve("dl4j")).toFile());
        cached = base.resolve("dl4j/models/" + ID + "/" + FILE);
    }

    @AfterEach
    void defaultCache() {
        DL4JResources.resetBaseDirectoryLocation();
        System.clearProperty(ConnectomeZooModel.BASE_URL_PROPERTY);
    }

    private static ConnectomeZooModel withoutTheJarsCopy() {
        return new ConnectomeZooModel(ID, ZooFixtures.withoutZips());
    }

    private void cache(byte[] data) throws IOException {
        Files.createDirectories(cached.getParent());
        Files.write(cached, data);
    }

    private static void assertReferenceOutputs(MultiLayerNetwork net) {
        double[][] out = ZooFixtures.outputs(net, mnist, 8000, 8008);
        for (int i = 0; i < out.length; i++) {
            assertArrayEquals(reference[i], out[i], 0.0, "the same network as the jar's: digit " + (8000 + i));
        }
    }

    private static String size(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    @Test
    void loadsACachedCopyWhenTheJarHasNone() throws IOException {
        cache(shipped);
        ConnectomeZooModel model = withoutTheJarsCopy();
        assertEquals(cached.toUri().toString(), model.pretrainedUrl(PretrainedType.MNIST));
        assertReferenceOutputs(model.initPretrained());
        assertArrayEquals(shipped, Files.readAllBytes(cached), "the cached copy is left as it is");
    }

    @Test
    void aCorruptCachedCopyIsDeletedWithAnErrorNamingTheCheckpoint() throws IOException {
        byte[] corrupt = shipped.clone();
        corrupt[corrupt.length / 2] ^= 0x10;
        cache(corrupt);
        IOException e = assertThrows(IOException.class, () -> withoutTheJarsCopy().initPretrained());
        assertTrue(e.getMessage().startsWith("checkpoint celegans-mnist: cached file " + cached
                + " fails its SHA-256 check: " + ZooFixtures.sha256Unchecked(corrupt) + ", expected "
                + ZooFixtures.sha256Unchecked(shipped)), e.getMessage());
        assertTrue(e.getMessage().endsWith("; deleted it (the next load downloads it again)"), e.getMessage());
        assertFalse(Files.exists(cached), "the corrupt copy is deleted");
    }

    @Test
    void aTruncatedOrLongerCachedCopyIsDeleted() throws IOException {
        cache(Arrays.copyOf(shipped, 40_000));
        IOException e = assertThrows(IOException.class, () -> withoutTheJarsCopy().initPretrained());
        assertEquals("checkpoint celegans-mnist: cached file " + cached + " is truncated: 40,000 bytes, expected "
                + size(shipped.length) + "; deleted it (the next load downloads it again)", e.getMessage());
        assertFalse(Files.exists(cached));

        cache(Arrays.copyOf(shipped, shipped.length + 3));
        e = assertThrows(IOException.class, () -> withoutTheJarsCopy().initPretrained());
        assertEquals("checkpoint celegans-mnist: cached file " + cached + " is longer than the checkpoint: more than "
                + size(shipped.length) + " bytes; deleted it (the next load downloads it again)", e.getMessage());
        assertFalse(Files.exists(cached));
    }

    @Test
    void theAdler32IsCheckedToo() throws IOException {
        // A provenance whose Adler-32 is off by one: the file passes its SHA-256 but not DL4J's checksum.
        CheckpointProvenance p = new CElegansMnist().provenance();
        CheckpointProvenance.Artifact a = p.checkpoint();
        String edited = p.withCheckpoint(new CheckpointProvenance.Artifact(a.file(), a.bytes(), a.sha256(),
                a.adler32() + 1)).toJson();
        ConnectomeZooModel model = new ConnectomeZooModel(ID, ZooFixtures.replacing(
                Map.of(ID + ".provenance.json", edited.getBytes(StandardCharsets.UTF_8)), true));
        cache(shipped);
        IOException e = assertThrows(IOException.class, model::initPretrained);
        assertEquals("checkpoint celegans-mnist: cached file " + cached + " fails its Adler-32 check: " + a.adler32()
                + ", expected " + (a.adler32() + 1) + "; deleted it (the next load downloads it again)",
                e.getMessage());
        assertFalse(Files.exists(cached));
    }

    @Test
    void downloadsFromTheBaseUrlIntoTheCacheOnce() throws IOException {
        Path server = Files.createDirectories(base.resolve("server"));
        Files.write(server.resolve(FILE), shipped);
        ConnectomeZooModel model = withoutTheJarsCopy();
        model.setBaseUrl(server.toUri().toString());
        assertEquals(server.toUri() + FILE, model.pretrainedUrl(PretrainedType.MNIST));
        assertReferenceOutputs(model.initPretrained());
        assertArrayEquals(shipped, Files.readAllBytes(cached), "downloaded into DL4J's cache directory");
        assertEquals(List.of(FILE), list(cached.getParent()), "no partial downloads left");

        // The next load reads the cache: the server is gone, and no base URL is set.
        Files.delete(server.resolve(FILE));
        assertReferenceOutputs(withoutTheJarsCopy().initPretrained());
    }

    @Test
    void theBaseUrlMayComeFromASystemProperty() throws IOException {
        Path server = Files.createDirectories(base.resolve("server"));
        Files.write(server.resolve(FILE), shipped);
        // Without the trailing '/', the file name is still appended as a path segment.
        String url = server.toUri().toString().replaceAll("/$", "");
        System.setProperty(ConnectomeZooModel.BASE_URL_PROPERTY, url);
        ConnectomeZooModel model = withoutTheJarsCopy();
        assertEquals(url, model.baseUrl());
        assertReferenceOutputs(model.initPretrained());
    }

    @Test
    void aCorruptDownloadLeavesNothingInTheCache() throws IOException {
        Path server = Files.createDirectories(base.resolve("server"));
        byte[] corrupt = shipped.clone();
        corrupt[100] ^= 0x01;
        Files.write(server.resolve(FILE), corrupt);
        ConnectomeZooModel model = withoutTheJarsCopy();
        model.setBaseUrl(server.toUri().toString());
        IOException e = assertThrows(IOException.class, model::initPretrained);
        String url = new URL(server.toUri() + FILE).toString();
        assertTrue(e.getMessage().startsWith("checkpoint celegans-mnist: download from " + url
                + " fails its SHA-256 check: "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; nothing was cached"), e.getMessage());
        assertEquals(List.of(), list(cached.getParent()), "nothing is cached");

        Files.write(server.resolve(FILE), Arrays.copyOf(shipped, shipped.length * 2));
        e = assertThrows(IOException.class, model::initPretrained);
        assertTrue(e.getMessage().contains(" is longer than the checkpoint: more than "), e.getMessage());
        assertEquals(List.of(), list(cached.getParent()), "nothing is cached");

        Files.delete(server.resolve(FILE));
        e = assertThrows(IOException.class, model::initPretrained);
        assertTrue(e.getMessage().startsWith("checkpoint celegans-mnist: cannot download " + url
                + ": java.io.FileNotFoundException"), e.getMessage());
        assertEquals(List.of(), list(cached.getParent()), "nothing is cached");
    }

    @Test
    void withoutAnySourceTheErrorSaysWhereItLooked() {
        IOException e = assertThrows(IOException.class, () -> withoutTheJarsCopy().initPretrained());
        assertEquals("checkpoint celegans-mnist: celegans-mnist.zip is not on the classpath nor in the cache "
                + "directory " + cached.getParent() + ", and no base URL to download it from is set (system property "
                + "dl4jconnectome.zoo.baseurl or setBaseUrl)", e.getMessage());
        assertEquals(null, withoutTheJarsCopy().pretrainedUrl(PretrainedType.MNIST));
    }

    @Test
    void aDamagedCopyOnTheClasspathIsRefusedAndNothingIsWritten() {
        byte[] damaged = Arrays.copyOf(shipped, shipped.length - 1);
        ConnectomeZooModel model = new ConnectomeZooModel(ID, ZooFixtures.replacing(Map.of(FILE, damaged), false));
        IOException e = assertThrows(IOException.class, model::initPretrained);
        assertEquals("checkpoint celegans-mnist: file:/replaced/celegans-mnist.zip is truncated: "
                + size(damaged.length) + " bytes, expected " + size(shipped.length) + "; the jar on the classpath is "
                + "damaged or holds another version of the checkpoint", e.getMessage());
        assertFalse(Files.exists(base.resolve("dl4j/models")), "nothing written to the cache directory");
    }

    @Test
    void aProvenanceThatIsNotOneNamesItsFile() {
        ConnectomeZooModel model = new ConnectomeZooModel(ID, ZooFixtures.replacing(
                Map.of(ID + ".provenance.json", "{\"id\": \"celegans-mnist\"}".getBytes(StandardCharsets.UTF_8)),
                false));
        IOException e = assertThrows(IOException.class, model::initPretrained);
        assertEquals("file:/replaced/celegans-mnist.provenance.json: not a checkpoint provenance: it lacks the id, "
                + "the file or its SHA-256", e.getMessage());
        ConnectomeZooModel garbled = new ConnectomeZooModel(ID, ZooFixtures.replacing(
                Map.of(ID + ".provenance.json", "{\"id\": ".getBytes(StandardCharsets.UTF_8)), false));
        e = assertThrows(IOException.class, garbled::provenance);
        assertTrue(e.getMessage().startsWith("file:/replaced/celegans-mnist.provenance.json: not a checkpoint "
                + "provenance: "), e.getMessage());
    }

    private static List<String> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }
}
