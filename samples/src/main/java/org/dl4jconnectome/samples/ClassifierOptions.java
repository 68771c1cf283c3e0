package org.dl4jconnectome.samples;

import org.bytedeco.javacpp.Pointer;
import org.dl4jconnectome.datasets.FlyVisConnectome;
import org.dl4jconnectome.zoo.MnistClassifier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.Locale;

/**
 * The options that define the MNIST classifier ({@link MnistClassifier}) and its mini-batches, shared by
 * {@code train-mnist} and {@code search} so that both build the same network from the same words.
 */
final class ClassifierOptions {
    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = "--connectome", converter = SampleConnectome.Converter.class,
            completionCandidates = SampleConnectome.TrainableNames.class,
            description = "Connectome: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    SampleConnectome connectome = SampleConnectome.FLYVIS;

    @Option(names = "--extent", paramLabel = "R",
            description = "Radius of the fly's hexagonal column lattice (8: 217 columns, 13,741 neurons; "
                    + "15: the published 45,669 neurons) (default: ${DEFAULT-VALUE}).")
    int extent = 8;

    @Option(names = "--batch", paramLabel = "B", description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batch = 32;

    @Option(names = "--hidden", paramLabel = "H",
            description = "Units of the dense layer after the readout (default: ${DEFAULT-VALUE}).")
    int hidden = 128;

    @Option(names = "--num-steps", paramLabel = "K",
            description = "Evaluation points over [0, t1], one Dormand-Prince step between consecutive points "
                    + "(default: ${DEFAULT-VALUE}).")
    int numSteps = 4;

    @Option(names = "--end-time", paramLabel = "T1",
            description = "Simulated time t1, in units of the initial time constant (default: ${DEFAULT-VALUE}).")
    double endTime = 3.0;

    @Option(names = "--tau-min", paramLabel = "TAU",
            description = "Lower bound of the trained time constants; the fixed solver steps must be stable for it "
                    + "(default: ${DEFAULT-VALUE}).")
    double tauMin = 0.5;

    @Option(names = "--seed", description = "Random seed of the network (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    /**
     * The classifier these options describe, with the given learning rate.
     *
     * @throws ParameterException naming the option, its value and what was expected
     */
    MnistClassifier classifier(double learningRate) {
        if (connectome == SampleConnectome.SYNTHETIC) {
            throw new ParameterException(spec.commandLine(), "--connectome synthetic is the untyped random tutorial "
                    + "network: train on flyvis or celegans");
        }
        check(extent >= 0 && extent <= FlyVisConnectome.MAX_EXTENT, "--extent", extent,
                "a lattice radius 0.." + FlyVisConnectome.MAX_EXTENT);
        check(batch >= 1, "--batch", batch, "at least 1");
        check(hidden >= 1, "--hidden", hidden, "at least 1");
        check(numSteps >= 2, "--num-steps", numSteps, "at least 2 evaluation points");
        check(endTime > 0 && Double.isFinite(endTime), "--end-time", endTime, "a positive time");
        check(tauMin > 0 && tauMin <= 1, "--tau-min", tauMin, "in (0, 1] (the initial time constant is 1)");
        return MnistClassifier.builder()
                .kind(connectome == SampleConnectome.FLYVIS ? MnistClassifier.Kind.FLYVIS
                        : MnistClassifier.Kind.CELEGANS)
                .extent(extent).hidden(hidden).learningRate(learningRate).evaluationPoints(numSteps)
                .endTime(endTime).tauMin(tauMin).seed(seed).build();
    }

    /**
     * The dense layer's weights, with their gradients and Adam's two moments (16 bytes per weight), must fit in what
     * ND4J may allocate; otherwise the network fails to initialise with a bare allocation error.
     *
     * @param readout the number of neurons the classifier reads
     */
    void checkHidden(int readout) {
        long limit = Pointer.maxBytes();
        long most = limit / (16L * readout);
        check(hidden <= most, "--hidden", hidden, String.format(Locale.ROOT, "at most %d for the %d readout neurons "
                + "(the dense layer's weights, gradients and Adam state, 16 bytes per weight, must fit in the %.1f GB "
                + "ND4J may allocate; -Dorg.bytedeco.javacpp.maxbytes sets it)", most, readout, limit / 1e9));
    }

    /** "--tau-min X, --num-steps K, --end-time T1": the options a layer's stability message is about. */
    String solverOptions() {
        return "--tau-min " + tauMin + ", --num-steps " + numSteps + ", --end-time " + endTime;
    }

    private void check(boolean ok, String option, Object value, String expected) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), option + " = " + value + ": expected " + expected);
        }
    }
}
