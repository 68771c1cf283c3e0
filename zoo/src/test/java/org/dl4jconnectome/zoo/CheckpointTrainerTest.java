package org.dl4jconnectome.zoo;

import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Adler32;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training a checkpoint from its spec (a small budget on the worm) and the folder it writes. */
class CheckpointTrainerTest {
    private static final String SPEC = "{\"id\": \"celegans-mnist\", \"description\": \"a small run\", "
            + "\"connectome\": \"celegans\", \"epochs\": 2, \"trainDigits\": 96, \"batch\": 32, \"hidden\": 32}";
    private static Mnist mnist;
    private static CheckpointSpec spec;
    private static CheckpointTrainer.Result result;
    private static final List<String> PHASES = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void train() throws IOException {
        mnist = Mnist.bundled();
        spec = CheckpointSpec.parse(SPEC, "test spec");
        result = new CheckpointTrainer(spec).software("0123abc", Boolean.TRUE, "connectome zoo train test")
                .listener(new CheckpointTrainer.Listener() {
                    @Override
                    public void phaseStarted(String phase) {
                        PHASES.add("start " + phase);
                    }

                    @Override
                    public void phaseEnded(String phase) {
                        PHASES.add("end " + phase);
                    }
                }).train();
    }

    @BeforeEach
    void privateCache() throws IOException {
        DL4JResources.setBaseDirectory(Files.createDirectories(dir.resolve("dl4j")).toFile());
    }

    @AfterEach
    void defaultCache() {
        DL4JResources.resetBaseDirectoryLocation();
    }

    @Test
    void theRunIsRecorded() throws Exception {
        assertEquals(List.of("start building the celegans connectome", "end building the celegans connectome",
                "start epoch 1/2", "end epoch 1/2", "start epoch 2/2", "end epoch 2/2",
                "start evaluating on the 2000 test digits", "end evaluating on the 2000 test digits"), PHASES);
        CheckpointProvenance p = result.provenance();
        assertNull(p.checkpoint(), "filled in when written");
        assertEquals(spec, p.network().spec());
        assertEquals(6, p.training().iterations(), "2 epochs of 3 batches");
        assertEquals(96, p.training().digits());
        assertEquals(ZooFixtures.rawDigitsSha256(0, 96), p.training().dataSha256());
        assertEquals(ZooFixtures.rawDigitsSha256(8000, 10000), p.test().dataSha256());
        assertEquals(42, p.training().seed());
        assertEquals(result.network().numParams(), p.network().parameters());
        // The recorded accuracy and outputs are the trained network's, computed here by hand.
        assertEquals(ZooFixtures.accuracy(result.network(), mnist, 8000, 10000), p.test().accuracy(), 1e-12);
        double[][] out = ZooFixtures.outputs(result.network(), mnist, 8000, 8008);
        for (int i = 0; i < out.length; i++) {
            for (int c = 0; c < 10; c++) {
                assertEquals(out[i][c], p.test().probeOutputs()[i][c], 1e-7);
            }
        }
        assertEquals("0123abc", p.software().commit());
        assertEquals(Boolean.TRUE, p.software().workingTreeClean());
        assertEquals("connectome zoo train test", p.software().command());
        assertEquals("1.0.0-M2.1", p.software().dl4j());
        assertTrue(p.network().trained().startsWith("type-pair gains, tau (per type), bias, input weights"),
                p.network().trained());
    }

    @Test
    void writesAFolderTheZooLoadsFrom() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("checkpoints"));
        CheckpointProvenance written = result.write(folder);
        byte[] zip = Files.readAllBytes(folder.resolve("celegans-mnist.zip"));
        assertEquals(zip.length, written.checkpoint().bytes());
        assertEquals(ZooFixtures.sha256(zip), written.checkpoint().sha256());
        Adler32 adler = new Adler32();
        adler.update(zip);
        assertEquals(adler.getValue(), written.checkpoint().adler32());
        try (ZipFile z = new ZipFile(folder.resolve("celegans-mnist.zip").toFile())) {
            assertNull(z.getEntry(ModelSerializer.UPDATER_BIN), "no updater state: the checkpoint stays small");
        }
        try (InputStream in = Files.newInputStream(folder.resolve("celegans-mnist.provenance.json"))) {
            assertEquals(written.toJson(), CheckpointProvenance.read(in, "written").toJson());
        }
        try (InputStream in = Files.newInputStream(folder.resolve("celegans-mnist.spec.json"))) {
            assertEquals(spec, CheckpointSpec.read(in, "written spec"));
        }

        // The folder with an index is a zoo: the checkpoint loads through initPretrained, from the file.
        Files.writeString(folder.resolve(ConnectomeZooModel.INDEX), "[\"celegans-mnist\"]");
        ConnectomeZooModel model = new ConnectomeZooModel("celegans-mnist", ZooFixtures.directory(folder));
        MultiLayerNetwork loaded = model.initPretrained();
        assertEquals(result.network().params(), loaded.params());
        assertEquals(written.network().configurationSha256(), ZooFixtures.sha256(model.init()
                .getLayerWiseConfigurations().toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try (var files = Files.list(dir.resolve("dl4j"))) {
            assertEquals(List.of(), files.toList(), "nothing copied to DL4J's cache directory");
        }
    }

    @Test
    void theSameSpecTrainsTheSameNetwork() throws IOException {
        assertEquals("scalar", System.getProperty("dl4jconnectome.kernels"),
                "reproducible training needs -Ddl4jconnectome.kernels=scalar (set in the module's pom, as zoo train does)");
        CheckpointTrainer.Result again = new CheckpointTrainer(spec).train();
        double[] a = result.network().params().toDoubleVector();
        double[] b = again.network().params().toDoubleVector();
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(a[i]));
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        assertEquals(0, diff, "parameters differ by " + diff + " (largest " + scale + "): the scalar kernels are "
                + "reproducible bit for bit");
        assertEquals(result.provenance().test().accuracy(), again.provenance().test().accuracy(), 0.002);
        assertArrayEquals(result.provenance().test().probeLabels(), again.provenance().test().probeLabels());
    }
}
