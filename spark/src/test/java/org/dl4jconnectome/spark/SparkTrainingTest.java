package org.dl4jconnectome.spark;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.dl4jconnectome.connectome.ConnectomeCodec;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.zoo.Mnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parameter averaging in local[2] with Kryo, as the spark-train sample runs it, on a few hundred digits. */
class SparkTrainingTest {
    private static final int BATCH = 16;
    private static final int DIGITS = 512;
    private static final int TEST_DIGITS = 128;
    private static final int EPOCHS = 3;
    private static final int AVERAGING = 4;

    @Test
    void lossDropsEvaluationIsDistributedAndNothingIsLeftBehind(@TempDir Path tmp)
            throws IOException, InterruptedException {
        Set<String> shmBefore = LocalSpark.aeronShm();
        Path hadoopDefault = Path.of(System.getProperty("java.io.tmpdir"), "hadoop-" + System.getProperty(
                "user.name"), "dl4j");
        boolean hadoopDefaultExisted = Files.exists(hadoopDefault);
        Path export = Files.createDirectories(tmp.resolve("export"));
        Mnist mnist = Mnist.bundled();
        MultiLayerNetwork net = LocalSpark.newNetwork();
        ConnectomeOdeLayer ode = (ConnectomeOdeLayer) net.getLayerWiseConfigurations().getConf(0).getLayer();
        long compact = ConnectomeCodec.encode(ode.getConnectome()).length
                + ConnectomeCodec.encode(ode.getInputProjection().matrix()).length;
        long state = net.getUpdater().getStateViewArray().length();

        DistributedTrainer.Result r;
        try (MeteredSparkContext sc = new MeteredSparkContext(LocalSpark.conf(true))) {
            r = DistributedTrainer.train(sc, net, mnist, new DistributedTrainer.Settings(EPOCHS, BATCH, AVERAGING,
                    2, DIGITS, TEST_DIGITS, export.toString(), RDDTrainingApproach.Export, Repartition.Always, 1));
            // Spark closes broadcast values it drops (ContextCleaner, after a GC): the returned network must not
            // be among them (see SparkBroadcastTest).
            for (int i = 0; i < 5; i++) {
                System.gc();
                Thread.sleep(200);
            }
            assertFalse(r.network().params().wasClosed());
            assertFalse(r.network().output(mnist.features(0, 4)).isNaN().any());
        }

        assertTrue(r.lossAfter() < 0.8 * r.lossBefore(), "loss " + r.lossBefore() + " -> " + r.lossAfter());
        // The loss Spark computed is the mean over the training digits, as the returned network scores them here.
        DataSet all = mnist.dataSet(0, DIGITS);
        assertEquals(r.network().score(all), r.lossAfter(), 1e-4);

        // 32 mini-batches per epoch, 2 workers x 4 per round: 4 rounds per epoch, one broadcast each.
        assertEquals(EPOCHS * DIGITS / BATCH / (2 * AVERAGING), r.rounds());
        assertEquals(EPOCHS, r.epochSeconds().length);
        // Each broadcast holds the configuration with its connectome in compact form, parameters and Adam's two
        // moments (float32; Spark compresses them): never the connectome's arrays.
        long bound = compact + 4 * (r.network().numParams() + state) + 64 * 1024;
        for (long b : r.broadcastBytes()) {
            assertTrue(b > 0 && b <= bound, "broadcast of " + b + " bytes, bound " + bound);
        }

        // Distributed evaluation agrees with DL4J's local evaluation of the returned network.
        Evaluation local = r.network().evaluate(mnist.iterator(Mnist.TRAIN_SIZE, Mnist.TRAIN_SIZE + TEST_DIGITS,
                BATCH));
        assertEquals(TEST_DIGITS, r.evaluation().getNumRowCounter(), 0);
        assertEquals(local.accuracy(), r.evaluation().accuracy(), 0);
        assertEquals(local.getConfusionMatrix(), r.evaluation().getConfusionMatrix());

        // The export went under our directory and is gone; no Aeron files appeared.
        assertEquals(Set.of(), LocalSpark.contents(export));
        assertEquals(hadoopDefaultExisted, Files.exists(hadoopDefault), hadoopDefault + " must not be used");
        assertEquals(shmBefore, LocalSpark.aeronShm());
        assertFalse(r.network().params().isNaN().any());
    }
}
