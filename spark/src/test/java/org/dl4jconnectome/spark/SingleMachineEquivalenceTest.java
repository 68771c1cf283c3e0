package org.dl4jconnectome.spark;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.dl4jconnectome.zoo.Mnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The network the driver gets back from Spark against parameter averaging done on one machine with DL4J's own
 * {@code fit}: every worker starts from the driver's parameters and Adam state, fits its partition's mini-batches in
 * order, and the driver takes the mean of the workers' parameters and Adam states (the direct RDD approach without
 * repartitioning, so that the partitions are known).
 */
class SingleMachineEquivalenceTest {
    private static final int BATCH = 16;
    private static final int DIGITS = 128;
    private static final int EPOCHS = 2;
    /**
     * Allowed difference with two workers: float32 rounding of the mean. Measured: none (bit-identical), since the
     * same operations run in the same order and the driver's mean of two workers is (a + b) / 2 as here.
     */
    private static final double TOLERANCE = 1e-6;

    @Test
    void oneWorkerIsPlainSequentialTraining(@TempDir Path tmp) throws IOException, InterruptedException {
        Mnist mnist = Mnist.bundled();
        MultiLayerNetwork start = LocalSpark.newNetwork();
        List<DataSet> batches = mnist.dataSet(0, DIGITS).batchBy(BATCH);

        MultiLayerNetwork reference = start.clone();
        for (int e = 0; e < EPOCHS; e++) {
            for (DataSet b : batches) {
                reference.fit(b);
            }
        }

        MultiLayerNetwork spark = train(start.clone(), mnist, 1, batches.size(), tmp);
        assertClose(reference.params(), spark.params(), 0);
        assertClose(reference.getUpdater().getStateViewArray(), spark.getUpdater().getStateViewArray(), 0);
    }

    @Test
    void twoWorkersAverageAsOnOneMachine(@TempDir Path tmp) throws IOException, InterruptedException {
        Mnist mnist = Mnist.bundled();
        MultiLayerNetwork start = LocalSpark.newNetwork();
        List<DataSet> batches = mnist.dataSet(0, DIGITS).batchBy(BATCH);
        int half = batches.size() / 2;
        List<List<DataSet>> shares = List.of(batches.subList(0, half), batches.subList(half, batches.size()));

        MultiLayerNetwork reference = start.clone();
        for (int e = 0; e < EPOCHS; e++) {
            averagingRound(reference, shares);
        }

        MultiLayerNetwork spark = train(start.clone(), mnist, 2, half, tmp);
        assertClose(reference.params(), spark.params(), TOLERANCE);
        assertClose(reference.getUpdater().getStateViewArray(), spark.getUpdater().getStateViewArray(), TOLERANCE);
        // Averaging is not sequential training: the two differ far beyond rounding.
        MultiLayerNetwork sequential = start.clone();
        for (int e = 0; e < EPOCHS; e++) {
            batches.forEach(sequential::fit);
        }
        assertTrue(maxAbsDiff(sequential.params(), spark.params()) > 1e-3);
    }

    /** One round of parameter averaging with DL4J's single-machine API. */
    private static void averagingRound(MultiLayerNetwork driver, List<List<DataSet>> shares) {
        INDArray paramSum = null;
        INDArray stateSum = null;
        int iteration = driver.getLayerWiseConfigurations().getIterationCount();
        for (List<DataSet> share : shares) {
            MultiLayerNetwork worker = new MultiLayerNetwork(driver.getLayerWiseConfigurations().clone());
            worker.init(driver.params().dup(), false);
            worker.getUpdater().setStateViewArray(worker, driver.getUpdater().getStateViewArray().dup(), false);
            share.forEach(worker::fit);
            paramSum = paramSum == null ? worker.params().dup() : paramSum.addi(worker.params());
            INDArray state = worker.getUpdater().getStateViewArray();
            stateSum = stateSum == null ? state.dup() : stateSum.addi(state);
        }
        driver.setParameters(paramSum.divi(shares.size()));
        driver.getUpdater().setStateViewArray(driver, stateSum.divi(shares.size()), false);
        driver.getLayerWiseConfigurations().setIterationCount(iteration + shares.get(0).size());
    }

    private static MultiLayerNetwork train(MultiLayerNetwork net, Mnist mnist, int workers, int batchesPerWorker,
                                           Path tmp) throws IOException, InterruptedException {
        try (MeteredSparkContext sc = new MeteredSparkContext(LocalSpark.conf(false))) {
            DistributedTrainer.Result r = DistributedTrainer.train(sc, net, mnist, new DistributedTrainer.Settings(
                    EPOCHS, BATCH, batchesPerWorker, workers, DIGITS, 32, tmp.toString(), RDDTrainingApproach.Direct,
                    Repartition.Never, 7));
            assertEquals(EPOCHS, r.rounds(), "one averaging round per epoch");
            return r.network();
        }
    }

    private static void assertClose(INDArray expected, INDArray actual, double tolerance) {
        assertEquals(expected.length(), actual.length());
        double d = maxAbsDiff(expected, actual);
        assertTrue(d <= tolerance, "max |difference| " + d + " > " + tolerance);
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).sub(b.castTo(
                org.nd4j.linalg.api.buffer.DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
