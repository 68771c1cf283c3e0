package org.dl4jconnectome.samples;

import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.samediff.ConnectomeGraph;
import org.dl4jconnectome.zoo.Mnist;
import org.dl4jconnectome.zoo.MnistClassifier;
import org.dl4jconnectome.zoo.MnistConnectome;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code train-mnist-samediff}: the C. elegans MNIST classifier of {@code train-mnist} ({@link MnistClassifier}:
 * the connectome read out at t1 from the motor neurons, batch normalisation, a dense ReLU layer, softmax) built and
 * trained in pure SameDiff: {@code SameDiff.create()}, {@link ConnectomeGraph} for the connectome, SameDiff ops for
 * the rest, a {@link TrainingConfig} and {@code sd.fit}. The trained graph is saved with {@code sd.save}.
 * <p>
 * Batch normalisation uses each minibatch's statistics while training, as DL4J's layer does; for testing, the graph
 * takes the statistics of the training digits under the trained parameters, computed once after training.
 */
@Command(name = "train-mnist-samediff", mixinStandardHelpOptions = true,
        description = {"Trains the C. elegans MNIST classifier of train-mnist in pure SameDiff (ConnectomeGraph, "
                + "TrainingConfig, sd.fit) and prints 'test accuracy: 0.NNNN' last.",
                "Progress goes to stderr, results to stdout."})
final class TrainMnistSameDiffCommand implements Callable<Integer> {
    private static final double EPSILON = 1e-5;

    @Spec
    private CommandSpec spec;

    @Option(names = "--epochs", description = "Passes over the training digits (default: ${DEFAULT-VALUE}).")
    private int epochs = 5;

    @Option(names = "--batch", paramLabel = "B", description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    private int batch = 32;

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
            description = "Lower bound of the trained time constants; the fixed solver steps must be stable for it "
                    + "(default: ${DEFAULT-VALUE}).")
    private double tauMin = 0.5;

    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
    private long seed = 42;

    @Option(names = "--limit-train", paramLabel = "N",
            description = "Train on the first N training digits only (default: all ${DEFAULT-VALUE}).")
    private int limitTrain = Mnist.TRAIN_SIZE;

    @Option(names = "--limit-test", paramLabel = "N",
            description = "Test on the first N test digits only (default: all ${DEFAULT-VALUE}).")
    private int limitTest = Mnist.TEST_SIZE;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Where to save the trained graph (SameDiff's format, sd.save) (default: ${DEFAULT-VALUE}).")
    private File out = new File("mnist-connectome.sd");

    @Override
    public Integer call() throws IOException {
        MnistClassifier classifier = validate();
        PrintWriter stdout = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        long start = System.nanoTime();

        MnistConnectome model;
        try (Progress.Phase p = progress.begin("building the celegans connectome")) {
            model = classifier.connectome();
        }
        ConnectomeOdeLayer ode;
        try {
            ode = classifier.odeLayer(model).build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--tau-min " + tauMin + ", --num-steps " + numSteps
                    + ", --end-time " + endTime + ": " + e.getMessage());
        }
        Mnist mnist;
        try (Progress.Phase p = progress.begin("reading the bundled MNIST digits")) {
            mnist = Mnist.bundled();
        }

        Classifier net;
        try (Progress.Phase p = progress.begin("defining and differentiating the graph")) {
            net = new Classifier(ode, hidden, seed);
            net.sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(learningRate))
                    .dataSetFeatureMapping(Classifier.PIXELS).dataSetLabelMapping(Classifier.LABELS)
                    .minimize(Classifier.LOSS).build());
            createGradFunction(net.sd);
        }
        stdout.println("connectome: " + model.connectome());
        stdout.println("input: " + model.inputDescription());
        stdout.println("readout: " + model.readoutDescription() + ", " + model.readout().length + " neurons at t1 = "
                + endTime);
        stdout.println(String.format(Locale.ROOT, "graph: %,d ops, %,d trainable values (connectome %,d)",
                net.sd.getOps().size(), net.trainableValues(), net.connectomeValues()));
        stdout.println("training digits: " + limitTrain + ", test digits: " + limitTest + ", batch " + batch);
        stdout.flush();

        DataSetIterator train = mnist.iterator(0, limitTrain, batch);
        double before;
        try (Progress.Phase p = progress.begin("loss on the training digits")) {
            before = net.meanLoss(train);
        }
        for (int e = 1; e <= epochs; e++) {
            try (Progress.Phase p = progress.begin("epoch " + e + "/" + epochs)) {
                train.reset();
                net.sd.fit(train, 1);
            }
        }
        double after;
        try (Progress.Phase p = progress.begin("loss on the training digits")) {
            train.reset();
            after = net.meanLoss(train);
        }
        stdout.println(String.format(Locale.ROOT, "training loss: %.4f before, %.4f after training", before, after));
        stdout.flush();
        try (Progress.Phase p = progress.begin("batch statistics of the training digits")) {
            train.reset();
            net.fixBatchStatistics(train);
        }
        Evaluation eval = new Evaluation(Mnist.CLASSES);
        try (Progress.Phase p = progress.begin("evaluating on " + limitTest + " test digits")) {
            DataSetIterator test = mnist.iterator(Mnist.TRAIN_SIZE, Mnist.TRAIN_SIZE + limitTest, batch);
            while (test.hasNext()) {
                DataSet d = test.next();
                eval.eval(d.getLabels(), net.probabilities(d.getFeatures()));
            }
        }
        net.sd.save(out, false);
        double seconds = (System.nanoTime() - start) / 1e9;
        stdout.println(eval.stats());
        stdout.println("graph saved to " + out + " (inputs '" + Classifier.PIXELS + "', output '"
                + Classifier.PROBABILITIES + "')");
        stdout.println("epochs: " + epochs);
        stdout.println(String.format(Locale.ROOT, "wall time: %.1f s", seconds));
        stdout.println(String.format(Locale.ROOT, "test accuracy: %.4f", eval.accuracy()));
        stdout.flush();
        return 0;
    }

    /** SameDiff M2.1 prints a line to System.out for every op it differentiates (thousands here): keep stdout clean. */
    private static void createGradFunction(SameDiff sd) {
        PrintStream systemOut = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            sd.createGradFunction();
        } finally {
            System.setOut(systemOut);
        }
    }

    /** The classifier's graph: connectome, batch normalisation, dense ReLU layer, softmax. */
    static final class Classifier {
        static final String PIXELS = "pixels";
        static final String LABELS = "labels";
        static final String LOSS = "loss";
        static final String PROBABILITIES = "probabilities";

        final SameDiff sd = SameDiff.create();
        private final ConnectomeGraph connectome;
        private final SDVariable batchMean;
        private final SDVariable batchVariance;
        private final SDVariable mean;
        private final SDVariable variance;

        Classifier(ConnectomeOdeLayer ode, int hidden, long seed) {
            SDVariable pixels = sd.placeHolder(PIXELS, DataType.FLOAT, -1, Mnist.PIXELS);
            SDVariable labels = sd.placeHolder(LABELS, DataType.FLOAT, -1, Mnist.CLASSES);
            connectome = ConnectomeGraph.builder(ode).build(sd, pixels);
            SDVariable readout = connectome.output();
            int n = (int) ode.getNOut();
            Nd4j.getRandom().setSeed(seed);
            SDVariable gamma = sd.var("bn/gamma", Nd4j.ones(DataType.FLOAT, n));
            SDVariable beta = sd.var("bn/beta", Nd4j.zeros(DataType.FLOAT, n));
            SDVariable w1 = sd.var("dense/W", xavier(n, hidden));
            SDVariable b1 = sd.var("dense/b", Nd4j.zeros(DataType.FLOAT, hidden));
            SDVariable w2 = sd.var("output/W", xavier(hidden, Mnist.CLASSES));
            SDVariable b2 = sd.var("output/b", Nd4j.zeros(DataType.FLOAT, Mnist.CLASSES));

            // Training: each minibatch's statistics. Testing: fixed statistics (constants set after training).
            batchMean = sd.mean("bn/batchMean", readout, 0);
            batchVariance = sd.variance("bn/batchVariance", readout, false, 0);
            mean = sd.constant("bn/mean", Nd4j.zeros(DataType.FLOAT, n));
            variance = sd.constant("bn/variance", Nd4j.ones(DataType.FLOAT, n));
            SDVariable trainLogits = head(normalise(readout, batchMean, batchVariance, gamma, beta), w1, b1, w2, b2);
            sd.loss.softmaxCrossEntropy(LOSS, labels, trainLogits, null);
            sd.nn.softmax(PROBABILITIES, head(normalise(readout, mean, variance, gamma, beta), w1, b1, w2, b2), 1);
        }

        private static INDArray xavier(int in, int out) {
            return Nd4j.randn(DataType.FLOAT, in, out).muli(Math.sqrt(2.0 / (in + out)));
        }

        private SDVariable normalise(SDVariable x, SDVariable m, SDVariable v, SDVariable gamma, SDVariable beta) {
            return x.sub(m).div(sd.math.sqrt(v.add(EPSILON))).mul(gamma).add(beta);
        }

        private SDVariable head(SDVariable x, SDVariable w1, SDVariable b1, SDVariable w2, SDVariable b2) {
            return sd.nn.relu(x.mmul(w1).add(b1), 0).mmul(w2).add(b2);
        }

        /**
         * The mean cross-entropy over the minibatches (SameDiff's fit does not compute the loss value, which the
         * gradients do not need, so its listeners would report 0).
         */
        double meanLoss(DataSetIterator data) {
            double sum = 0;
            int batches = 0;
            while (data.hasNext()) {
                DataSet d = data.next();
                sum += sd.output(Map.of(PIXELS, d.getFeatures(), LABELS, d.getLabels()), LOSS).get(LOSS).getDouble(0);
                batches++;
            }
            return sum / batches;
        }

        /** Sets the testing statistics to the mean over the training minibatches of their statistics. */
        void fixBatchStatistics(DataSetIterator train) {
            INDArray m = mean.getArr().dup().assign(0);
            INDArray v = variance.getArr().dup().assign(0);
            int batches = 0;
            while (train.hasNext()) {
                Map<String, INDArray> s = sd.output(Map.of(PIXELS, train.next().getFeatures()), batchMean.name(),
                        batchVariance.name());
                m.addi(s.get(batchMean.name()));
                v.addi(s.get(batchVariance.name()));
                batches++;
            }
            mean.getArr().assign(m.divi(batches));
            variance.getArr().assign(v.divi(batches));
        }

        INDArray probabilities(INDArray pixels) {
            return sd.output(Map.of(PIXELS, pixels), PROBABILITIES).get(PROBABILITIES);
        }

        long trainableValues() {
            return sd.variables().stream().filter(v -> v.getVariableType() == VariableType.VARIABLE)
                    .mapToLong(v -> v.getArr().length()).sum();
        }

        long connectomeValues() {
            return connectome.parameters().values().stream().mapToLong(v -> v.getArr().length()).sum();
        }
    }

    private MnistClassifier validate() {
        check(epochs >= 1, "--epochs", epochs, "at least 1");
        check(batch >= 2, "--batch", batch, "at least 2 (batch normalisation needs a batch)");
        check(learningRate > 0 && Double.isFinite(learningRate), "--lr", learningRate, "a positive number");
        check(hidden >= 1, "--hidden", hidden, "at least 1");
        check(numSteps >= 2, "--num-steps", numSteps, "at least 2 evaluation points");
        check(endTime > 0 && Double.isFinite(endTime), "--end-time", endTime, "a positive time");
        check(tauMin > 0 && tauMin <= 1, "--tau-min", tauMin, "in (0, 1] (the initial time constant is 1)");
        check(limitTrain >= 2 && limitTrain <= Mnist.TRAIN_SIZE, "--limit-train", limitTrain,
                "2.." + Mnist.TRAIN_SIZE);
        check(limitTest >= 1 && limitTest <= Mnist.TEST_SIZE, "--limit-test", limitTest, "1.." + Mnist.TEST_SIZE);
        check(out.getAbsoluteFile().getParentFile().isDirectory(), "--out", out, "a file in an existing directory");
        return MnistClassifier.builder().kind(MnistClassifier.Kind.CELEGANS).hidden(hidden)
                .learningRate(learningRate).evaluationPoints(numSteps).endTime(endTime).tauMin(tauMin).seed(seed)
                .build();
    }

    private void check(boolean ok, String option, Object value, String expected) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), option + " = " + value + ": expected " + expected);
        }
    }
}
