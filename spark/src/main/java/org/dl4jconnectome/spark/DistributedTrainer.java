package org.dl4jconnectome.spark;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.dl4jconnectome.zoo.Mnist;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Trains a network on the bundled MNIST digits with DL4J's parameter averaging on Spark
 * ({@link ParameterAveragingTrainingMaster}): every averaging round broadcasts the network (configuration,
 * parameters, Adam's state), each worker fits {@code averagingFrequency} mini-batches of its share, and the driver
 * averages the workers' parameters and updater states.
 * <p>
 * The digits are parallelised as mini-batches of {@code batchPerWorker} examples in {@code workers} partitions. With
 * the default {@link RDDTrainingApproach#Export} DL4J first writes them as files under a directory of its own inside
 * {@code exportRoot}, which this class deletes at the end, failed or not; {@link RDDTrainingApproach#Direct} with
 * {@link Repartition#Never} trains every partition's mini-batches in order, which makes a run reproducible outside
 * Spark.
 */
final class DistributedTrainer {
    private static final Logger log = LoggerFactory.getLogger(DistributedTrainer.class);
    private static final long LISTENER_TIMEOUT_S = 60;

    /** How to train; see {@link DistributedTrainer}. */
    record Settings(int epochs, int batchPerWorker, int averagingFrequency, int workers, int limitTrain,
                    int limitTest, String exportRoot, RDDTrainingApproach approach, Repartition repartition,
                    long seed) {
        Settings {
            Objects.requireNonNull(exportRoot, "exportRoot");
            Objects.requireNonNull(approach, "approach");
            Objects.requireNonNull(repartition, "repartition");
        }
    }

    /**
     * What a run measured: the mean training loss (over the training digits, by Spark) before and after, seconds
     * per epoch, the bytes of every network broadcast (one per averaging round, as Spark stored it: serialized and,
     * unless {@code spark.broadcast.compress=false}, compressed) and the distributed evaluation on the test digits.
     */
    record Result(MultiLayerNetwork network, double lossBefore, double lossAfter, double[] epochSeconds,
                  long[] broadcastBytes, Evaluation evaluation) {
        /** Averaging rounds over the whole run. */
        int rounds() {
            return broadcastBytes.length;
        }

        /** Mean bytes of one round's broadcast. */
        double meanBroadcastBytes() {
            long sum = 0;
            for (long b : broadcastBytes) {
                sum += b;
            }
            return broadcastBytes.length == 0 ? 0 : (double) sum / broadcastBytes.length;
        }
    }

    private DistributedTrainer() {
    }

    /**
     * Trains {@code net} (initialised; it becomes the trained network) with the given settings.
     *
     * @throws IOException if the export directory cannot be deleted
     */
    static Result train(MeteredSparkContext sc, MultiLayerNetwork net, Mnist mnist, Settings s)
            throws IOException, InterruptedException {
        String exportDir = s.exportRoot() + (s.exportRoot().endsWith("/") ? "" : "/") + "spark-train-"
                + UUID.randomUUID();
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(s.workers(),
                s.batchPerWorker())
                .batchSizePerWorker(s.batchPerWorker())
                .averagingFrequency(s.averagingFrequency())
                // Adam's moments are averaged with the parameters (DL4J's builder does not keep them by default).
                .saveUpdater(true)
                .rddTrainingApproach(s.approach())
                .repartionData(s.repartition())
                .exportDirectory(exportDir)
                .rngSeed(s.seed())
                .build();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, net, tm);
        try {
            JavaRDD<DataSet> train = sc.parallelize(mnist.dataSet(0, s.limitTrain()).batchBy(s.batchPerWorker()),
                    s.workers());
            JavaRDD<DataSet> test = sc.parallelize(
                    mnist.dataSet(Mnist.TRAIN_SIZE, Mnist.TRAIN_SIZE + s.limitTest()).batchBy(s.batchPerWorker()),
                    s.workers());
            double before = snapshot(sc, net, tm).calculateScore(train, true);
            double[] seconds = new double[s.epochs()];
            String group = "spark-train-" + UUID.randomUUID();
            int earlier = sc.networkBroadcasts().size();
            // The training jobs form a group, so that their ends (and so their broadcasts) can be awaited.
            sc.setJobGroup(group, "connectome training", false);
            try {
                for (int e = 0; e < s.epochs(); e++) {
                    long t0 = System.nanoTime();
                    spark.fit(train);
                    seconds[e] = (System.nanoTime() - t0) / 1e9;
                    log.info("epoch {}/{}: {} s, last averaged score {}", e + 1, s.epochs(), seconds[e],
                            spark.getScore());
                }
            } finally {
                sc.clearJobGroup();
            }
            sc.meter().awaitJobs(sc.statusTracker().getJobIdsForGroup(group), LISTENER_TIMEOUT_S, TimeUnit.SECONDS);
            List<Long> all = sc.networkBroadcasts();
            List<Long> ids = all.subList(earlier, all.size());
            long[] bytes = new long[ids.size()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = sc.meter().bytes(ids.get(i));
            }
            double after = snapshot(sc, spark.getNetwork(), tm).calculateScore(train, true);
            Evaluation eval = spark.evaluate(test);
            return new Result(spark.getNetwork(), before, after, seconds, bytes, eval);
        } finally {
            tm.deleteTempFiles(sc);
            delete(sc, exportDir);
        }
    }

    /**
     * A copy of the network for DL4J's scoring, which broadcasts the parameter array itself: Spark
     * (3.3 and later) closes an {@link AutoCloseable} broadcast value when it drops the broadcast, and an INDArray's
     * {@code close()} releases its memory, so the network whose parameters were broadcast would fail later with
     * "You can't use DataBuffer once it was released". Parameter averaging's broadcasts wrap the arrays in a tuple
     * and the evaluation's copy them to bytes, which Spark does not close.
     */
    private static SparkDl4jMultiLayer snapshot(JavaSparkContext sc, MultiLayerNetwork net,
                                                ParameterAveragingTrainingMaster tm) {
        return new SparkDl4jMultiLayer(sc, net.clone(), tm);
    }

    /** Deletes a directory tree through Hadoop's file system (local, HDFS, S3...); absent is fine. */
    private static void delete(JavaSparkContext sc, String dir) throws IOException {
        FileSystem fs = FileSystem.get(URI.create(dir), sc.hadoopConfiguration());
        Path p = new Path(dir);
        if (fs.exists(p) && !fs.delete(p, true)) {
            throw new IOException("could not delete the export directory " + dir);
        }
    }
}
