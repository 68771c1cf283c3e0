package org.dl4jconnectome.samples;

import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.listeners.PerformanceListener;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.dl4jconnectome.datasets.FlyVisConnectome;
import org.dl4jconnectome.io.ModelFiles;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.zoo.Mnist;
import org.dl4jconnectome.zoo.MnistClassifier;
import org.dl4jconnectome.zoo.MnistConnectome;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code train-mnist}: a connectome layer, read out at the end of the simulation from chosen neurons, then a dense
 * layer and a softmax classifier, trained with DL4J's own loop on the bundled 8,000 / 2,000 MNIST split.
 * <p>
 * The connectome keeps its synapse counts fixed; what trains is, as in the fly visual-system model, one gain per
 * (postsynaptic type, presynaptic type) pair, the time constant of each type and every neuron's bias, together with
 * the classifier.
 */
@Command(name = "train-mnist", mixinStandardHelpOptions = true,
        description = {"Trains connectome layer -> dense -> softmax on MNIST (8,000 training and 2,000 test digits "
                + "bundled) and prints 'test accuracy: 0.NNNN' last.",
                "Progress (score, throughput, epochs) goes to stderr, results to stdout."})
final class TrainMnistCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--connectome", converter = SampleConnectome.Converter.class,
            completionCandidates = SampleConnectome.TrainableNames.class,
            description = "Connectome: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private SampleConnectome connectome = SampleConnectome.FLYVIS;

    @Option(names = "--extent", paramLabel = "R",
            description = "Radius of the fly's hexagonal column lattice (8: 217 columns, 13,741 neurons; "
                    + "15: the published 45,669 neurons) (default: ${DEFAULT-VALUE}).")
    private int extent = 8;

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
            description = "Where to save the trained model (DL4J ModelSerializer zip, replaced if it exists; checked "
                    + "before training) (default: ${DEFAULT-VALUE}).")
    private File out = new File("mnist-connectome.zip");

    @Override
    public Integer call() throws IOException {
        MnistClassifier classifier = validate();
        PrintWriter stdout = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        long start = System.nanoTime();

        MnistConnectome model;
        try (Progress.Phase p = progress.begin("building the " + connectome + " connectome")) {
            model = classifier.connectome();
        }
        checkHidden(model.readout().length);
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
        MultiLayerNetwork net = new MultiLayerNetwork(classifier.configuration(ode));
        net.init();
        stdout.println("connectome: " + model.connectome());
        stdout.println("input: " + model.inputDescription());
        stdout.println("readout: " + model.readoutDescription() + ", " + model.readout().length + " neurons at t1 = "
                + endTime);
        stdout.println(String.format(Locale.ROOT, "parameters: %,d (connectome layer %,d)", net.numParams(),
                net.getLayer(0).numParams()));
        stdout.println("training digits: " + limitTrain + ", test digits: " + limitTest + ", batch " + batch);
        stdout.flush();

        int iterations = (limitTrain + batch - 1) / batch;
        net.setListeners(new ScoreIterationListener(Math.max(1, iterations / 10)),
                new PerformanceListener(Math.max(1, iterations / 10), false));
        DataSetIterator train = mnist.iterator(0, limitTrain, batch);
        for (int e = 1; e <= epochs; e++) {
            try (Progress.Phase p = progress.begin("epoch " + e + "/" + epochs)) {
                net.fit(train);
            }
        }

        Evaluation eval;
        try (Progress.Phase p = progress.begin("evaluating on " + limitTest + " test digits")) {
            eval = net.evaluate(mnist.iterator(Mnist.TRAIN_SIZE, Mnist.TRAIN_SIZE + limitTest, batch));
        }
        try {
            ModelFiles.write(net, out.toPath(), true);
        } catch (IOException e) {
            throw CliError.failure("--out " + out + ": cannot save the model: " + e.getMessage(), e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        stdout.println(eval.stats());
        stdout.println("model saved to " + out);
        stdout.println("epochs: " + epochs);
        stdout.println(String.format(Locale.ROOT, "wall time: %.1f s", seconds));
        stdout.println(String.format(Locale.ROOT, "test accuracy: %.4f", eval.accuracy()));
        stdout.flush();
        return 0;
    }

    private MnistClassifier validate() {
        if (connectome == SampleConnectome.SYNTHETIC) {
            fail("--connectome synthetic is the untyped random tutorial network: train on flyvis or celegans");
        }
        check(extent >= 0 && extent <= FlyVisConnectome.MAX_EXTENT, "--extent", extent,
                "a lattice radius 0.." + FlyVisConnectome.MAX_EXTENT);
        check(epochs >= 1, "--epochs", epochs, "at least 1");
        check(batch >= 1, "--batch", batch, "at least 1");
        check(learningRate > 0 && Double.isFinite(learningRate), "--lr", learningRate, "a positive number");
        check(hidden >= 1, "--hidden", hidden, "at least 1");
        check(numSteps >= 2, "--num-steps", numSteps, "at least 2 evaluation points");
        check(endTime > 0 && Double.isFinite(endTime), "--end-time", endTime, "a positive time");
        check(tauMin > 0 && tauMin <= 1, "--tau-min", tauMin, "in (0, 1] (the initial time constant is 1)");
        check(limitTrain >= 1 && limitTrain <= Mnist.TRAIN_SIZE, "--limit-train", limitTrain,
                "1.." + Mnist.TRAIN_SIZE);
        check(limitTest >= 1 && limitTest <= Mnist.TEST_SIZE, "--limit-test", limitTest, "1.." + Mnist.TEST_SIZE);
        // Checked before training, so that a typo does not cost a whole run.
        OutputPaths.checkFile("--out", out.toPath(), Map.of());
        return MnistClassifier.builder()
                .kind(connectome == SampleConnectome.FLYVIS ? MnistClassifier.Kind.FLYVIS
                        : MnistClassifier.Kind.CELEGANS)
                .extent(extent).hidden(hidden).learningRate(learningRate).evaluationPoints(numSteps)
                .endTime(endTime).tauMin(tauMin).seed(seed).build();
    }

    /**
     * The dense layer's weights, with their gradients and Adam's two moments (16 bytes per weight), must fit in what
     * ND4J may allocate; otherwise the network fails to initialise with a bare allocation error.
     */
    private void checkHidden(int readout) {
        long limit = Pointer.maxBytes();
        long most = limit / (16L * readout);
        check(hidden <= most, "--hidden", hidden, String.format(Locale.ROOT, "at most %d for the %d readout neurons "
                + "(the dense layer's weights, gradients and Adam state, 16 bytes per weight, must fit in the %.1f GB "
                + "ND4J may allocate; -Dorg.bytedeco.javacpp.maxbytes sets it)", most, readout, limit / 1e9));
    }

    private void check(boolean ok, String option, Object value, String expected) {
        if (!ok) {
            fail(option + " = " + value + ": expected " + expected);
        }
    }

    private void fail(String message) {
        throw new ParameterException(spec.commandLine(), message);
    }
}
