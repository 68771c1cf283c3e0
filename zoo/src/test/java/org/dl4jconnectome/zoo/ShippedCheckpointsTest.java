package org.dl4jconnectome.zoo;

import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.Adler32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checkpoints the zoo jar ships: offline loading, their recorded accuracy, their files and their specs. */
class ShippedCheckpointsTest {
    private static Mnist mnist;

    @TempDir
    Path cache;

    @BeforeAll
    static void readDigits() throws IOException {
        mnist = Mnist.bundled();
    }

    @BeforeEach
    void privateCache() {
        DL4JResources.setBaseDirectory(cache.toFile());
    }

    @AfterEach
    void defaultCache() {
        DL4JResources.resetBaseDirectoryLocation();
    }

    static List<String> ids() {
        return ConnectomeZooModel.ids();
    }

    @Test
    void theZooListsItsTwoModels() {
        assertEquals(List.of(FlyVisMnist.ID, CElegansMnist.ID), ConnectomeZooModel.ids());
        assertInstanceOf(FlyVisMnist.class, ConnectomeZooModel.of("flyvis-mnist"));
        assertInstanceOf(CElegansMnist.class, ConnectomeZooModel.of("celegans-mnist"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConnectomeZooModel.of("lenet"));
        assertEquals("no checkpoint 'lenet' in the zoo; it has: flyvis-mnist, celegans-mnist", e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("ids")
    void initPretrainedOfflineGivesTheRecordedTestAccuracy(String id) throws IOException {
        ConnectomeZooModel model = ConnectomeZooModel.of(id);
        CheckpointProvenance p = model.provenance();
        MultiLayerNetwork net = model.initPretrained();
        double accuracy = ZooFixtures.accuracy(net, mnist, Mnist.TRAIN_SIZE, Mnist.TRAIN_SIZE + Mnist.TEST_SIZE);
        assertEquals(p.test().accuracy(), accuracy, 0.005, id + ": test accuracy");
        // Restored from the classpath stream: nothing was written to DL4J's cache directory.
        try (var files = Files.list(cache)) {
            assertEquals(List.of(), files.toList(), "files written to DL4J's cache directory");
        }
        assertTrue(model.pretrainedUrl(PretrainedType.MNIST).endsWith("checkpoints/" + id + ".zip"));
    }

    @ParameterizedTest
    @MethodSource("ids")
    void theFileIsTheOneItsProvenanceDescribes(String id) throws Exception {
        CheckpointProvenance p = ConnectomeZooModel.of(id).provenance();
        byte[] zip = ZooFixtures.shippedBytes(p.checkpoint().file());
        assertEquals(id + ".zip", p.checkpoint().file());
        assertEquals(zip.length, p.checkpoint().bytes());
        assertEquals(ZooFixtures.sha256(zip), p.checkpoint().sha256());
        Adler32 adler = new Adler32();
        adler.update(zip);
        assertEquals(adler.getValue(), p.checkpoint().adler32());
        assertEquals(adler.getValue(), ConnectomeZooModel.of(id).pretrainedChecksum(PretrainedType.MNIST));
    }

    @ParameterizedTest
    @MethodSource("ids")
    void initBuildsTheUntrainedNetworkOfTheSpecTheCheckpointWasTrainedFrom(String id) throws Exception {
        ConnectomeZooModel model = ConnectomeZooModel.of(id);
        CheckpointProvenance p = model.provenance();
        // The spec beside the checkpoint is the one it was trained from (edit the spec, then retrain).
        assertEquals(model.spec(), p.network().spec(), id + ".spec.json differs from the spec in its provenance: "
                + "retrain with 'connectome zoo train " + id + "'");
        MultiLayerNetwork untrained = model.init();
        assertEquals(p.network().configurationSha256(),
                ZooFixtures.sha256(untrained.getLayerWiseConfigurations().toJson().getBytes(
                        java.nio.charset.StandardCharsets.UTF_8)), id + ": configuration hash");
        assertEquals(p.network().parameters(), untrained.numParams());
        MultiLayerNetwork trained = model.initPretrained();
        assertEquals(untrained.numParams(), trained.numParams());
        assertNotEquals(untrained.params(), trained.params(), "init() is untrained");
    }

    @Test
    void dl4jsOwnZooLoaderAcceptsTheRecordedAdler32() throws IOException {
        CheckpointProvenance p = new CElegansMnist().provenance();
        Path copy = Files.write(cache.resolve("served-" + p.checkpoint().file()),
                ZooFixtures.shippedBytes(p.checkpoint().file()));
        MultiLayerNetwork viaDl4j = plainZooModel(copy, p.checkpoint().adler32(), "dl4j-plain")
                .initPretrained(PretrainedType.MNIST);
        MultiLayerNetwork ours = new CElegansMnist().initPretrained();
        assertEquals(ours.params(), viaDl4j.params());
        // DL4J does check the checksum: one off, and it refuses (and deletes) its cached copy.
        ZooModel<MultiLayerNetwork> wrong = plainZooModel(copy, p.checkpoint().adler32() + 1, "dl4j-plain-wrong");
        assertThrows(IllegalStateException.class, () -> wrong.initPretrained(PretrainedType.MNIST));
        assertFalse(Files.exists(cache.resolve("models/dl4j-plain-wrong/" + copy.getFileName())));
    }

    /** A bare DL4J zoo model serving a file, so that DL4J's own download, cache and Adler-32 code runs. */
    private static ZooModel<MultiLayerNetwork> plainZooModel(Path file, long adler32, String name) {
        return new ZooModel<>() {
            @Override
            public String pretrainedUrl(PretrainedType type) {
                return type == PretrainedType.MNIST ? file.toUri().toString() : null;
            }

            @Override
            public long pretrainedChecksum(PretrainedType type) {
                return adler32;
            }

            @Override
            public String modelName() {
                return name;
            }

            @Override
            public <M extends Model> M init() {
                throw new UnsupportedOperationException();
            }

            @Override
            public ModelMetaData metaData() {
                return null;
            }

            @Override
            public void setInputShape(int[][] shape) {
            }

            @Override
            public Class<? extends Model> modelType() {
                return MultiLayerNetwork.class;
            }
        };
    }

    @Test
    void theZooModelApiFollowsDl4j() {
        ConnectomeZooModel model = new CElegansMnist();
        assertEquals("celegans-mnist", model.modelName());
        assertEquals(MultiLayerNetwork.class, model.modelType());
        assertTrue(model.pretrainedAvailable(PretrainedType.MNIST));
        assertFalse(model.pretrainedAvailable(PretrainedType.IMAGENET));
        assertEquals(null, model.pretrainedUrl(PretrainedType.CIFAR10));
        assertEquals(0L, model.pretrainedChecksum(PretrainedType.IMAGENET));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> model.initPretrained(PretrainedType.IMAGENET));
        assertEquals("celegans-mnist: no IMAGENET checkpoint; the zoo's checkpoints are trained on MNIST: "
                + "initPretrained() or initPretrained(PretrainedType.MNIST)", e.getMessage());
        ModelMetaData meta = model.metaData();
        assertArrayEquals(new int[][] {{784}}, meta.getInputShape());
        assertEquals(1, meta.getNumOutputs());
        model.setInputShape(new int[][] {{784}});
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> model.setInputShape(new int[][] {{1, 28, 28}}));
        assertEquals("celegans-mnist: input shape [[1, 28, 28]]: expected [[784]] (the checkpoint is trained on 28x28 "
                + "MNIST digits)", bad.getMessage());
    }

    @Test
    void theShippedCheckpointsStaySmall() throws IOException {
        long total = 0;
        for (String id : ConnectomeZooModel.ids()) {
            total += ConnectomeZooModel.of(id).provenance().checkpoint().bytes();
        }
        assertTrue(total < 5_000_000, "the shipped checkpoints take " + total + " bytes; keep the repository lean");
    }
}
