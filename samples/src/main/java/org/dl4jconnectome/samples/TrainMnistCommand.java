package org.dl4jconnectome.samples;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.listeners.PerformanceListener;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.io.ModelFiles;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.zoo.Mnist;
import org.dl4jconnectome.zoo.MnistClassifier;
import org.dl4jconnectome.zoo.MnistConnectome;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
                "Progress (score, throughput, epochs) goes to stderr, results to stdout.",
                "A configuration saved by 'search' (an @file of options) is trained with: train-mnist @FILE; options "
                        + "after it override the file's."})
final class TrainMnistCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ClassifierOptions classifierOptions;

    @Option(names = "--epochs", description = "Passes over the training digits (default: ${DEFAULT-VALUE}).")
    private int epochs = 5;

    @Option(names = "--lr", paramLabel = "RATE", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    private double learningRate = 2e-3;

    @Option(names = "--limit-train", paramLabel = "N",
            description = "Train on the first N training digits only (default: all ${DEFAULT-VALUE}).")
    private int limitTrain = Mnist.TRAIN_SIZE;

    @Option(names = "--limit-test", paramLabel = "N",
            description = "Test on the first N test digits only (default: all ${DEFAULT-VALUE}).")
    private int limitTest = Mnist.TEST_SIZE;

    @Option(names = "--type-tau", split = ",", paramLabel = "TAU",
            description = "Initial time constants: one value for every neuron type, or one per type, "
                    + "comma-separated in the connectome's order (default: the connectome's, 1 for every type).")
    private double[] typeTau;

    @Option(names = "--type-pair-gain-init", split = ",", paramLabel = "G",
            description = "Initial type-pair gains: one value for every (postsynaptic, presynaptic) type pair, or "
                    + "K x K comma-separated values, row-major by postsynaptic type (default: 1).")
    private double[] typePairGainInit;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Where to save the trained model (DL4J ModelSerializer zip, replaced if it exists; checked "
                    + "before training) (default: ${DEFAULT-VALUE}).")
    private File out = new File("mnist-connectome.zip");

    @Mixin
    private UiOptions uiOptions;

    @Override
    public Integer call() throws IOException {
        MnistClassifier classifier = classifier();
        PrintWriter stdout = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());
        long start = System.nanoTime();

        MnistConnectome model;
        try (Progress.Phase p = progress.begin("building the " + classifierOptions.connectome + " connectome")) {
            model = classifier.connectome();
        }
        classifierOptions.checkHidden(model.readout().length);
        ConnectomeOdeLayer ode = odeLayer(classifier, model);
        Mnist mnist;
        try (Progress.Phase p = progress.begin("reading the bundled MNIST digits")) {
            mnist = Mnist.bundled();
        }
        MultiLayerNetwork net = new MultiLayerNetwork(classifier.configuration(ode));
        net.init();
        stdout.println("connectome: " + model.connectome());
        stdout.println("input: " + model.inputDescription());
        stdout.println("readout: " + model.readoutDescription() + ", " + model.readout().length + " neurons at t1 = "
                + classifier.endTime());
        stdout.println(String.format(Locale.ROOT, "parameters: %,d (connectome layer %,d)", net.numParams(),
                net.getLayer(0).numParams()));
        int batch = classifierOptions.batch;
        stdout.println("training digits: " + limitTrain + ", test digits: " + limitTest + ", batch " + batch);
        stdout.flush();

        int iterations = (limitTrain + batch - 1) / batch;
        net.setListeners(new ScoreIterationListener(Math.max(1, iterations / 10)),
                new PerformanceListener(Math.max(1, iterations / 10), false));
        TrainingUi trainingUi = null;
        if (uiOptions.enabled) {
            trainingUi = TrainingUi.start(uiOptions.port);
            net.addListeners(new StatsListener(trainingUi.storage(), TrainingUi.STATS_EVERY));
            spec.commandLine().getErr().println("training UI: " + trainingUi.address() + "/train/overview");
            spec.commandLine().getErr().flush();
        }
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
        if (trainingUi != null) {
            trainingUi.waitOnTerminal(spec.commandLine().getErr());
        }
        return 0;
    }

    /**
     * The connectome layer these options describe: the classifier's, with the initial time constants and gains given.
     *
     * @throws ParameterException naming the options when the layer rejects them
     */
    ConnectomeOdeLayer odeLayer(MnistClassifier classifier, MnistConnectome model) {
        ConnectomeOdeLayer.Builder b = classifier.odeLayer(model);
        Connectome c = model.connectome();
        int k = c.numTypes();
        if (typeTau != null) {
            check(typeTau.length == 1 || typeTau.length == k, "--type-tau", typeTau.length + " values",
                    "1 or one per neuron type (" + k + " for " + classifierOptions.connectome + ")");
            try {
                b.connectome(c.toBuilder().typeTau(everyType(typeTau, k)).build());
            } catch (IllegalArgumentException e) {
                fail("--type-tau: " + e.getMessage());
            }
        }
        if (typePairGainInit != null) {
            check(typePairGainInit.length == 1 || typePairGainInit.length == k * k, "--type-pair-gain-init",
                    typePairGainInit.length + " values", "1 or K x K = " + k * k + " (" + k + " types)");
            b.typePairGainInit(everyType(typePairGainInit, k * k));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), classifierOptions.solverOptions()
                    + (typeTau != null ? ", --type-tau" : "")
                    + (typePairGainInit != null ? ", --type-pair-gain-init" : "") + ": " + e.getMessage());
        }
    }

    /** The values as given, or the one value given repeated n times. */
    private static double[] everyType(double[] values, int n) {
        if (values.length != 1) {
            return values;
        }
        double[] all = new double[n];
        Arrays.fill(all, values[0]);
        return all;
    }

    /**
     * The options that make {@code train-mnist} build this network: the classifier's settings, the batch size and the
     * connectome layer's initial time constants and gains (the training budget, epochs and digits, is left out).
     * Written one option per line, they form a picocli {@code @file}: {@code train-mnist @FILE} trains it.
     */
    static List<String> options(MnistClassifier classifier, int batch, ConnectomeOdeLayer ode) {
        List<String> o = new ArrayList<>();
        add(o, "--connectome", classifier.kind().cliName());
        if (classifier.kind() == MnistClassifier.Kind.FLYVIS) {
            add(o, "--extent", classifier.extent());
        }
        add(o, "--hidden", classifier.hidden());
        add(o, "--num-steps", classifier.evaluationPoints());
        add(o, "--end-time", classifier.endTime());
        add(o, "--tau-min", classifier.tauMin());
        add(o, "--lr", classifier.learningRate());
        add(o, "--seed", classifier.seed());
        add(o, "--batch", batch);
        add(o, "--type-tau", compact(ode.getConnectome().typeTaus()));
        if (ode.getTypePairGainInit() != null) {
            add(o, "--type-pair-gain-init", compact(ode.getTypePairGainInit()));
        }
        return o;
    }

    /** One value if all are equal, else all of them, comma-separated (each exactly, as Java prints doubles). */
    private static String compact(double[] values) {
        if (Arrays.stream(values).allMatch(v -> v == values[0])) {
            return Double.toString(values[0]);
        }
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : ",").append(v);
        }
        return sb.toString();
    }

    private static void add(List<String> options, String name, Object value) {
        options.add(name);
        options.add(String.valueOf(value));
    }

    /**
     * The classifier these options describe.
     *
     * @throws ParameterException naming the option, its value and what was expected
     */
    MnistClassifier classifier() {
        check(epochs >= 1, "--epochs", epochs, "at least 1");
        check(learningRate > 0 && Double.isFinite(learningRate), "--lr", learningRate, "a positive number");
        MnistClassifier classifier = classifierOptions.classifier(learningRate);
        check(limitTrain >= 1 && limitTrain <= Mnist.TRAIN_SIZE, "--limit-train", limitTrain,
                "1.." + Mnist.TRAIN_SIZE);
        check(limitTest >= 1 && limitTest <= Mnist.TEST_SIZE, "--limit-test", limitTest, "1.." + Mnist.TEST_SIZE);
        // Checked before training, so that a typo does not cost a whole run.
        OutputPaths.checkFile("--out", out.toPath(), Map.of());
        return classifier;
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
