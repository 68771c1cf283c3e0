package org.dl4jconnectome.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Models saved by DL4J's ModelSerializer, intact, truncated and corrupted, restored through ModelFiles. */
class ModelFilesTest {
    @TempDir
    static Path dir;
    private static MultiLayerNetwork net;
    private static INDArray x;
    /** The network saved by ModelSerializer with its Adam state. */
    private static Path saved;
    private static byte[] bytes;

    @BeforeAll
    static void saveATrainedNetwork() throws IOException {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(0.01)).list()
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(3).build())
                .setInputType(InputType.feedForward(6)).build();
        net = new MultiLayerNetwork(conf);
        net.init();
        Nd4j.getRandom().setSeed(2);
        x = Nd4j.rand(DataType.FLOAT, 5, 6);
        net.fit(x, Nd4j.eye(3).getRows(0, 1, 2, 0, 1).castTo(DataType.FLOAT));
        saved = dir.resolve("model.zip");
        ModelSerializer.writeModel(net, saved.toFile(), true);
        bytes = Files.readAllBytes(saved);
    }

    private static Path variant(String name, byte[] content) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, content);
        return f;
    }

    /** Asserts that restoring fails with one line that starts with the file (and entry) and holds every fragment. */
    private static IOException assertRefused(Path f, String... fragments) {
        IOException e = assertThrows(IOException.class, () -> ModelFiles.restoreMultiLayerNetwork(f, true),
                f::toString);
        assertTrue(e.getMessage().startsWith(f + ": ") || e.getMessage().startsWith(f + " [entry "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' lacks '" + fragment + "'");
        }
        return e;
    }

    private static int indexOf(String needle, int from) {
        int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf(needle, from);
        assertTrue(at >= 0, needle);
        return at;
    }

    @Test
    void anIntactModelLoadsWithIdenticalOutputsParametersAndUpdaterState() throws IOException {
        MultiLayerNetwork back = ModelFiles.restoreMultiLayerNetwork(saved, true);
        assertEquals(net.output(x), back.output(x));
        assertEquals(net.params(), back.params());
        assertEquals(net.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
        assertTrue(back.getUpdater().getStateViewArray().sumNumber().doubleValue() != 0, "Adam state after a fit");
    }

    @Test
    void connectomeModelsAndGraphsRoundTripThroughWrite() throws IOException {
        Random rnd = new Random(3);
        Connectome c = RandomConnectomes.typed(5, 20, 0.2, 2, false, Nonlinearity.SIGMOID, Nonlinearity.TANH);
        ConnectomeOdeLayer ode = new ConnectomeOdeLayer.Builder().connectome(c)
                .inputProjection(InputProjection.of(RandomConnectomes.matrix(rnd, 20, 6, 0.3, -1, 1)))
                .evaluationPoints(3).timeSpan(0, 1).outputSequence(false).build();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).updater(new Adam(0.01))
                .graphBuilder().addInputs("in")
                .addLayer("ode", ode, "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).nOut(3).build(), "ode")
                .setOutputs("out").setInputTypes(InputType.feedForward(6)).build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        graph.fit(new INDArray[] {x}, new INDArray[] {Nd4j.eye(3).getRows(0, 1, 2, 0, 1).castTo(DataType.FLOAT)});
        Path f = dir.resolve("graph.zip");
        ModelFiles.write(graph, f, true);
        ComputationGraph back = ModelFiles.restoreComputationGraph(f, true);
        assertEquals(graph.outputSingle(x), back.outputSingle(x));
        assertEquals(graph.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());

        IOException e = assertThrows(IOException.class, () -> ModelFiles.restoreMultiLayerNetwork(f, false));
        assertTrue(e.getMessage().startsWith(f + ": cannot restore a MultiLayerNetwork: "), e.getMessage());
        assertTrue(e.getMessage().contains("ComputationGraph"), e.getMessage());
        e = assertThrows(IOException.class, () -> ModelFiles.restoreComputationGraph(saved, false));
        assertTrue(e.getMessage().startsWith(saved + ": cannot restore a ComputationGraph: "), e.getMessage());
    }

    @Test
    void aTruncatedModelIsRefusedNamingTheFile() throws IOException {
        int updaterAt = indexOf(ModelSerializer.UPDATER_BIN, 0) - 30;
        int directoryAt = indexOf("PK\u0001\u0002", 0);
        for (int cut : new int[] {0, 1, 29, 100, bytes.length / 3, bytes.length / 2, updaterAt, directoryAt,
            bytes.length - 22, bytes.length - 1}) {
            Path f = variant("cut-" + cut + ".zip", Arrays.copyOf(bytes, cut));
            assertRefused(f, "not a readable zip archive (", "); the file may be truncated or corrupt");
        }
        // Cut just before the updater state, ModelSerializer itself loads the model without it.
        Path half = dir.resolve("cut-" + updaterAt + ".zip");
        MultiLayerNetwork partial = ModelSerializer.restoreMultiLayerNetwork(half.toFile(), true);
        assertEquals(net.params(), partial.params());
        assertFalse(net.getUpdater().getStateViewArray().equals(partial.getUpdater().getStateViewArray()),
                "ModelSerializer half-loads the truncated file: no updater state");
    }

    @Test
    void aCorruptModelIsRefusedNamingTheFileAndTheEntry() throws IOException {
        int configAt = indexOf(ModelSerializer.CONFIGURATION_JSON, 0);
        int coefficientsAt = indexOf(ModelSerializer.COEFFICIENTS_BIN, 0);
        int updaterAt = indexOf(ModelSerializer.UPDATER_BIN, 0);
        int directoryAt = indexOf("PK\u0001\u0002", 0);
        int endAt = indexOf("PK\u0005\u0006", directoryAt);
        Object[][] flips = {
            // a byte inside each entry's compressed data
            {(configAt + coefficientsAt) / 2, 0x5A, "[entry configuration.json]: "},
            {(coefficientsAt + updaterAt) / 2, 0x5A, "[entry coefficients.bin]: "},
            {(updaterAt + directoryAt) / 2, 0x5A, "[entry updaterState.bin]: "},
            // the name in the first local header ("configuration.jsoo"), which only a reader from the start sees
            {configAt + 17, 'n' ^ 'o', "the entries read from the start of the file [configuration.jsoo, "
                    + "coefficients.bin, updaterState.bin] differ from those its central directory lists"},
            // the central directory and its end record
            {directoryAt, 0x5A, "not a readable zip archive"},
            {endAt + 16, 0x5A, "not a readable zip archive"},
        };
        for (Object[] flip : flips) {
            int at = (Integer) flip[0];
            byte[] corrupt = bytes.clone();
            corrupt[at] ^= (byte) (int) (Integer) flip[1];
            assertRefused(variant("flip-" + at + ".zip", corrupt), (String) flip[2]);
        }
    }

    @Test
    void missingEntriesAndWhatDl4jCannotParseAreReportedWithTheFileName() throws IOException {
        Path noCoefficients = dir.resolve("no-coefficients.zip");
        writeZip(noCoefficients, ModelSerializer.CONFIGURATION_JSON, net.getLayerWiseConfigurations().toJson());
        assertRefused(noCoefficients, "no coefficients.bin entry: not a model saved by DL4J's ModelSerializer "
                + "(entries: [configuration.json])");

        Path notJson = dir.resolve("not-json.zip");
        writeZip(notJson, ModelSerializer.CONFIGURATION_JSON, "{\"confs\": [ this is not json",
                ModelSerializer.COEFFICIENTS_BIN, "x");
        assertRefused(notJson, "cannot restore a MultiLayerNetwork: ");
    }

    @Test
    void writtenModelsGetTheUmaskPermissionsAndReplaceTheOldFileWhole() throws IOException {
        Path f = dir.resolve("written.zip");
        Files.write(f, "old".getBytes(StandardCharsets.US_ASCII));
        ModelFiles.write(net, f, false);
        assertEquals(net.output(x), ModelFiles.restoreMultiLayerNetwork(f, false).output(x));
        SafeFilesTest.assertDefaultPermissions(f);
        Model failing = new MultiLayerNetwork(net.getLayerWiseConfigurations()) {
            @Override
            public INDArray params() {
                throw new IllegalStateException("the disk filled up while the parameters were written");
            }
        };
        assertThrows(IllegalStateException.class, () -> ModelFiles.write(failing, f, true));
        assertEquals(net.output(x), ModelFiles.restoreMultiLayerNetwork(f, false).output(x), "the old file stays");
        SafeFilesTest.assertNoTemporaryFiles(dir);
    }

    private static void writeZip(Path f, String... nameAndContent) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(f))) {
            for (int i = 0; i < nameAndContent.length; i += 2) {
                zip.putNextEntry(new ZipEntry(nameAndContent[i]));
                zip.write(nameAndContent[i + 1].getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
    }
}
