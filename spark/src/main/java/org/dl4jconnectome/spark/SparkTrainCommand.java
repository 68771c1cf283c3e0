package org.dl4jconnectome.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jconnectome.datasets.FlyVisConnectome;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.zoo.Mnist;
import org.dl4jconnectome.zoo.MnistClassifier;
import org.dl4jconnectome.zoo.MnistConnectome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code spark-train}: the connectome MNIST classifier of {@code train-mnist} ({@link MnistClassifier}), trained on
 * Apache Spark with DL4J's parameter averaging ({@code SparkDl4jMultiLayer}), evaluated with Spark's distributed
 * evaluation and saved with {@code ModelSerializer}. It prints the training loss before and after, the time of every
 * epoch and the bytes broadcast per averaging round, and {@code test accuracy: 0.NNNN} last.
 * <p>
 * Run it with {@code spark-submit --class org.dl4jconnectome.spark.SparkTrainCommand} (the master comes from
 * spark-submit), or directly with {@code java} and {@code --master local[N]}.
 */
@Command(name = "spark-train", mixinStandardHelpOptions = true,
        description = {"Trains the connectome MNIST classifier (connectome layer -> batch norm -> dense -> softmax) on "
                + "Apache Spark with parameter averaging, and prints 'test accuracy: 0.NNNN' last."})
public final class SparkTrainCommand implements Callable<Integer> {
    /** Serialization of broadcasts, shuffles and task results. */
    enum Serializer {
        /** Kryo with {@link ConnectomeKryoRegistrator}. */
        KRYO,
        /** Java serialization (Spark's default). */
        JAVA
    }

    @Spec
    private CommandSpec spec;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master, e.g. local[2] (default: the one spark-submit sets, else local[*]).")
    private String master;

    @Option(names = "--connectome", description = "Connectome: flyvis or celegans (default: ${DEFAULT-VALUE}).")
    private String connectome = "flyvis";

    @Option(names = "--extent", paramLabel = "R",
            description = "Radius of the fly's hexagonal column lattice (8: 217 columns, 13,741 neurons; "
                    + "15: the published 45,669 neurons) (default: ${DEFAULT-VALUE}).")
    private int extent = 8;

    @Option(names = "--epochs", description = "Passes over the training digits (default: ${DEFAULT-VALUE}).")
    private int epochs = 5;

    @Option(names = "--batch", paramLabel = "B",
            description = "Mini-batch size of every worker (default: ${DEFAULT-VALUE}).")
    private int batch = 32;

    @Option(names = "--averaging-frequency", paramLabel = "K",
            description = "Mini-batches every worker fits between two averagings (default: ${DEFAULT-VALUE}).")
    private int averagingFrequency = 5;

    @Option(names = "--workers", paramLabel = "W",
            description = "Workers (partitions trained at once; default: Spark's default parallelism).")
    private Integer workers;

    @Option(names = "--lr", paramLabel = "RATE", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    private double learningRate = 2e-3;

    @Option(names = "--hidden", paramLabel = "H",
            description = "Units of the dense layer after the readout (default: ${DEFAULT-VALUE}).")
    private int hidden = 128;

    @Option(names = "--num-steps", paramLabel = "K",
            description = "Evaluation points over [0, t1], one Dormand-Prince step between consecutive points "
                    + "(default: ${DEFAULT-VALUE}).")
    private int numSteps = 4;

    @Option(names = "--end-time", paramLabel = "T1",
            description = "Simulated time t1, in units of the initial time constant (default: ${DEFAULT-VALUE}).")
    private double endTime = 3.0;

    @Option(names = "--tau-min", paramLabel = "TAU",
            description = "Lower bound of the trained time constants (default: ${DEFAULT-VALUE}).")
    private double tauMin = 0.5;

    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
    private long seed = 42;

    @Option(names = "--limit-train", paramLabel = "N",
            description = "Train on the first N training digits only (default: all ${DEFAULT-VALUE}).")
    private int limitTrain = Mnist.TRAIN_SIZE;

    @Option(names = "--limit-test", paramLabel = "N",
            description = "Test on the first N test digits only (default: all ${DEFAULT-VALUE}).")
    private int limitTest = Mnist.TEST_SIZE;

    @Option(names = "--rdd-approach", paramLabel = "APPROACH",
            description = "export: DL4J writes the mini-batches as files under --export-dir first; direct: trains "
                    + "the partitions as they are, without repartitioning (default: ${DEFAULT-VALUE}).")
    private String rddApproach = "export";

    @Option(names = "--export-dir", paramLabel = "DIR",
            description = "Where DL4J exports the training mini-batches (a directory of its own inside, deleted at "
                    + "the end); on a cluster a shared file system, e.g. hdfs:///tmp (default: java.io.tmpdir).")
    private String exportDir = System.getProperty("java.io.tmpdir");

    @Option(names = "--serializer", description = "kryo (with ConnectomeKryoRegistrator) or java "
            + "(default: ${DEFAULT-VALUE}).")
    private String serializer = "kryo";

    @Option(names = "--out", paramLabel = "FILE",
            description = "Where to save the trained model (DL4J ModelSerializer zip) (default: ${DEFAULT-VALUE}).")
    private File out = new File("mnist-connectome-spark.zip");

    /** Runs the command and exits with its code: 0, 2 for bad arguments, 1 for a failure. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command with one-line error reporting (also used by the tests, which run it in-process). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SparkTrainCommand());
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("error: " + ex.getMessage() + " (see 'spark-train --help')");
            return ex.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            cmd.getErr().println("error: " + (ex.getMessage() == null ? ex.toString()
                    : ex.getClass().getSimpleName() + ": " + ex.getMessage()));
            return cmd.getCommandSpec().exitCodeOnExecutionException();
        });
        return cl;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        MnistClassifier classifier = validate();
        Serializer ser = Serializer.valueOf(serializer.toUpperCase(Locale.ROOT));
        RDDTrainingApproach approach = rddApproach.equals("direct") ? RDDTrainingApproach.Direct
                : RDDTrainingApproach.Export;
        PrintWriter stdout = spec.commandLine().getOut();
        MnistConnectome model = classifier.connectome();
        ConnectomeOdeLayer ode;
        try {
            ode = classifier.odeLayer(model).build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--tau-min " + tauMin + ", --num-steps " + numSteps
                    + ", --end-time " + endTime + ": " + e.getMessage());
        }
        Mnist mnist = Mnist.bundled();
        MultiLayerNetwork net = new MultiLayerNetwork(classifier.configuration(ode));
        net.init();

        try (MeteredSparkContext sc = new MeteredSparkContext(sparkConf(ser))) {
            int w = workers != null ? workers : sc.defaultParallelism();
            stdout.println("connectome: " + model.connectome());
            stdout.println(String.format(Locale.ROOT, "parameters: %,d (connectome layer %,d)", net.numParams(),
                    net.getLayer(0).numParams()));
            stdout.println("spark: " + sc.version() + ", master " + sc.master() + ", " + w + " workers, "
                    + ser.name().toLowerCase(Locale.ROOT) + " serialization, rdd approach "
                    + approach.name().toLowerCase(Locale.ROOT));
            stdout.println("training digits: " + limitTrain + ", test digits: " + limitTest + ", batch " + batch
                    + " per worker, averaging every " + averagingFrequency + " mini-batches");
            stdout.flush();
            DistributedTrainer.Result r = DistributedTrainer.train(sc, net, mnist, new DistributedTrainer.Settings(
                    epochs, batch, averagingFrequency, w, limitTrain, limitTest, exportDir, approach,
                    approach == RDDTrainingApproach.Direct ? Repartition.Never : Repartition.Always, seed));
            stdout.println(String.format(Locale.ROOT, "loss before: %.4f", r.lossBefore()));
            for (int e = 0; e < epochs; e++) {
                stdout.println(String.format(Locale.ROOT, "epoch %d/%d: %.2f s", e + 1, epochs,
                        r.epochSeconds()[e]));
            }
            stdout.println(String.format(Locale.ROOT, "loss after: %.4f", r.lossAfter()));
            long[] b = r.broadcastBytes();
            stdout.println(String.format(Locale.ROOT, "averaging rounds: %d, bytes broadcast per round: mean %,.0f "
                            + "(first %,d, last %,d)", r.rounds(), r.meanBroadcastBytes(), b.length == 0 ? 0 : b[0],
                    b.length == 0 ? 0 : b[b.length - 1]));
            stdout.println(r.evaluation().stats());
            ModelSerializer.writeModel(r.network(), out, true);
            stdout.println("model saved to " + out);
            stdout.println(String.format(Locale.ROOT, "test accuracy: %.4f", r.evaluation().accuracy()));
            stdout.flush();
        }
        return 0;
    }

    private SparkConf sparkConf(Serializer ser) {
        // Reads the spark.* system properties that spark-submit sets.
        SparkConf conf = new SparkConf().setIfMissing("spark.app.name", "spark-train");
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        if (ser == Serializer.KRYO) {
            conf.set("spark.serializer", KryoSerializer.class.getName());
            conf.set("spark.kryo.registrator", ConnectomeKryoRegistrator.class.getName());
        } else {
            conf.set("spark.serializer", JavaSerializer.class.getName());
        }
        return conf;
    }

    private MnistClassifier validate() {
        check(connectome.equals("flyvis") || connectome.equals("celegans"), "--connectome", connectome,
                "flyvis or celegans");
        check(extent >= 0 && extent <= FlyVisConnectome.MAX_EXTENT, "--extent", extent,
                "a lattice radius 0.." + FlyVisConnectome.MAX_EXTENT);
        check(epochs >= 1, "--epochs", epochs, "at least 1");
        check(batch >= 1, "--batch", batch, "at least 1");
        check(averagingFrequency >= 1, "--averaging-frequency", averagingFrequency, "at least 1");
        check(workers == null || workers >= 1, "--workers", workers, "at least 1");
        check(learningRate > 0 && Double.isFinite(learningRate), "--lr", learningRate, "a positive number");
        check(hidden >= 1, "--hidden", hidden, "at least 1");
        check(numSteps >= 2, "--num-steps", numSteps, "at least 2 evaluation points");
        check(endTime > 0 && Double.isFinite(endTime), "--end-time", endTime, "a positive time");
        check(tauMin > 0 && tauMin <= 1, "--tau-min", tauMin, "in (0, 1] (the initial time constant is 1)");
        check(limitTrain >= 1 && limitTrain <= Mnist.TRAIN_SIZE, "--limit-train", limitTrain,
                "1.." + Mnist.TRAIN_SIZE);
        check(limitTest >= 1 && limitTest <= Mnist.TEST_SIZE, "--limit-test", limitTest, "1.." + Mnist.TEST_SIZE);
        check(rddApproach.equals("export") || rddApproach.equals("direct"), "--rdd-approach", rddApproach,
                "export or direct");
        check(serializer.equals("kryo") || serializer.equals("java"), "--serializer", serializer, "kryo or java");
        check(!exportDir.isBlank(), "--export-dir", "''", "a directory");
        // Checked before Spark starts, so that a typo does not cost a whole run.
        check(out.getAbsoluteFile().getParentFile().isDirectory(), "--out", out, "a file in an existing directory");
        return MnistClassifier.builder()
                .kind(connectome.equals("flyvis") ? MnistClassifier.Kind.FLYVIS : MnistClassifier.Kind.CELEGANS)
                .extent(extent).hidden(hidden).learningRate(learningRate).evaluationPoints(numSteps)
                .endTime(endTime).tauMin(tauMin).seed(seed).build();
    }

    private void check(boolean ok, String option, Object value, String expected) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), option + " = " + value + ": expected " + expected);
        }
    }
}
