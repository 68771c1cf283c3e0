package org.dl4jconnectome.samples;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.datasets.FlyVisConnectome;
import org.dl4jconnectome.datasets.SyntheticConnectome;
import org.dl4jconnectome.layer.BioplnnConnectomeOdeRnn;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.zoo.Mnist;
import org.dl4jconnectome.zoo.MnistConnectome;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code tutorial}: bioplnn's neuron-type tutorial. Builds a connectome ODE-RNN whose 784 inputs are MNIST pixels,
 * simulates a batch of 8 digits at 20 evaluation points over t ∈ [0, 1], prints the shapes the tutorial prints and
 * draws a block of the connectome and the activity of 25 random neurons of the first digit.
 */
@Command(name = "tutorial", mixinStandardHelpOptions = true,
        description = {"Reproduces bioplnn's neuron-type tutorial: 8 MNIST digits through a connectome ODE-RNN, "
                + "20 evaluation points over t in [0, 1].",
                "Prints the tutorial's shapes on stdout and writes connectome.png and activity.png."})
final class TutorialCommand implements Callable<Integer> {
    static final int BATCH = 8;
    static final int NUM_STEPS = 20;
    static final int TRACES = 25;
    static final String CONNECTOME_PNG = "connectome.png";
    static final String ACTIVITY_PNG = "activity.png";

    @Spec
    private CommandSpec spec;

    @Option(names = "--connectome", converter = SampleConnectome.Converter.class,
            completionCandidates = SampleConnectome.AllNames.class,
            description = "Connectome: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; synthetic is the "
                    + "tutorial's random 47,521-neuron network).")
    private SampleConnectome connectome = SampleConnectome.FLYVIS;

    @Option(names = "--extent", paramLabel = "R",
            description = "Radius of the fly's hexagonal column lattice (default: ${DEFAULT-VALUE}, the published "
                    + "45,669 neurons).")
    private int extent = 15;

    @Option(names = "--out-dir", paramLabel = "DIR",
            description = "Directory for the pictures, created if needed (default: the current directory).")
    private Path outDir = Path.of(".");

    @Option(names = "--seed", description = "Seed of the synthetic connectome, its input neurons and the plotted "
            + "neurons (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--all-excitatory",
            description = "Treat every synapse as excitatory, as bioplnn's tutorial-era code did.")
    private boolean allExcitatory;

    @Override
    public Integer call() throws IOException {
        if (extent < 0 || extent > FlyVisConnectome.MAX_EXTENT) {
            throw new ParameterException(spec.commandLine(), "--extent = " + extent + ": expected a lattice radius 0.."
                    + FlyVisConnectome.MAX_EXTENT);
        }
        OutputPaths.checkDirectory("--out-dir", outDir, Map.of());
        // Charts are drawn off-screen; this also works where no display exists.
        System.setProperty("java.awt.headless", "true");
        PrintWriter out = spec.commandLine().getOut();
        Progress progress = new Progress(spec.commandLine().getErr());

        MnistConnectome model;
        try (Progress.Phase p = progress.begin("building the " + connectome + " connectome")) {
            model = switch (connectome) {
                case FLYVIS -> MnistConnectome.flyVis(FlyVisConnectome.build(extent));
                case CELEGANS -> MnistConnectome.cElegans();
                case SYNTHETIC -> MnistConnectome.synthetic(seed);
            };
        }
        Connectome c = model.connectome();
        int n = c.numNeurons();
        out.println("Connectome: " + c);
        out.println("Connectome dimensions: " + n + "x" + n);
        out.println("Number of synapses: " + c.numSynapses());
        out.println("Input: " + model.inputDescription());
        out.flush();

        MultiLayerNetwork net;
        try (Progress.Phase p = progress.begin("building the model")) {
            net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                    .layer(layer(model)).setInputType(InputType.feedForward(Mnist.PIXELS)).build());
            net.init();
        }

        Mnist mnist = Mnist.bundled();
        INDArray x = mnist.features(0, BATCH).reshape(BATCH, 1, Mnist.SIDE, Mnist.SIDE);
        INDArray labels = mnist.labels(0, BATCH);
        out.println("x shape: " + Arrays.toString(x.shape()) + ", label shape: " + Arrays.toString(labels.shape()));
        out.println("labels: " + Arrays.toString(labels.toIntVector()));
        INDArray flat = x.reshape(BATCH, Mnist.PIXELS);
        out.println("x flattened shape: " + Arrays.toString(flat.shape()));
        out.flush();

        INDArray activity;
        try (Progress.Phase p = progress.begin(String.format(Locale.ROOT,
                "simulating %d digits x %,d neurons at %d points over t in [0, 1]", BATCH, n, NUM_STEPS))) {
            activity = net.output(flat);
        }
        out.println("Neural activity shape (DL4J [batch, neurons, time]): " + Arrays.toString(activity.shape()));
        INDArray tutorialView = activity.permute(2, 0, 1);
        out.println("Neural activity shape: " + Arrays.toString(tutorialView.shape())
                + " (the tutorial's [time, batch, neurons] view)");
        out.flush();

        Path heatmap = outDir.resolve(CONNECTOME_PNG);
        Path traces = outDir.resolve(ACTIVITY_PNG);
        try (Progress.Phase p = progress.begin("drawing " + heatmap + " and " + traces)) {
            MnistConnectome.Block block = model.block();
            Charts.weightHeatmap(c.synapses(), block.neurons(), block.labels(), block.title(), heatmap);
            drawActivity(model, activity, labels.getInt(0), traces);
        }
        out.println("connectome block: " + heatmap);
        out.println("activity: " + traces);
        out.flush();
        return 0;
    }

    private ConnectomeOdeLayer layer(MnistConnectome model) {
        if (connectome == SampleConnectome.SYNTHETIC) {
            // The tutorial's own arguments, spelled as in bioplnn.
            Connectome c = model.connectome();
            return BioplnnConnectomeOdeRnn.builder()
                    .inputSize(Mnist.PIXELS).hiddenSize(c.numNeurons())
                    .connectivityHh(c.synapses()).connectivityIh(model.input().matrix())
                    .numNeuronTypes(2)
                    .neuronTypeClass("excitatory", "inhibitory")
                    .neuronTypeIndices(c.types().indicesOf(0), c.types().indicesOf(1))
                    .neuronTypeNonlinearity("Sigmoid")
                    .neuronTypeTauInit(SyntheticConnectome.EXCITATORY_TAU, SyntheticConnectome.INHIBITORY_TAU)
                    .trainTau(true)
                    .legacyAllExcitatory(allExcitatory)
                    .timeSpan(0, 1).numSteps(NUM_STEPS)
                    .build();
        }
        return model.layer().allExcitatory(allExcitatory).timeSpan(0, 1).evaluationPoints(NUM_STEPS).build();
    }

    private void drawActivity(MnistConnectome model, INDArray activity, int label, Path file) throws IOException {
        int n = (int) activity.size(1);
        int[] neurons = new SplittableRandom(seed).ints(0, n).distinct().limit(Math.min(TRACES, n)).sorted()
                .toArray();
        double[] times = new double[NUM_STEPS];
        Arrays.setAll(times, p -> p / (double) (NUM_STEPS - 1));
        double[][] traces = new double[neurons.length][];
        String[] names = new String[neurons.length];
        for (int k = 0; k < neurons.length; k++) {
            traces[k] = activity.get(NDArrayIndex.point(0), NDArrayIndex.point(neurons[k]), NDArrayIndex.all())
                    .castTo(DataType.DOUBLE).toDoubleVector();
            names[k] = model.neuronName(neurons[k]);
        }
        Charts.activityTraces(times, traces, names, "Activity of " + neurons.length + " random neurons (of "
                + model.connectome().numNeurons() + "), first digit (label " + label + ")", file);
    }
}
