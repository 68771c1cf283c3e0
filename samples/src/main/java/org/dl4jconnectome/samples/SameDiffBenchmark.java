package org.dl4jconnectome.samples;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.datasets.SyntheticConnectome;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.samediff.ConnectomeGraph;
import org.dl4jconnectome.zoo.Mnist;
import org.dl4jconnectome.zoo.MnistClassifier;
import org.dl4jconnectome.zoo.MnistConnectome;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * Times the connectome model as a {@link ConnectomeGraph} in pure SameDiff against the DL4J layer, on the same model:
 * the C. elegans MNIST connectome of {@link MnistClassifier} (N = 299) and random typed connectomes of the same
 * density at other sizes, each read out at t1 by a softmax layer over 10 classes, float32, Adam. It measures a
 * forward pass ({@code net.output} / {@code sd.output}) and a training step ({@code net.fit} / {@code sd.fit} over an
 * iterator of {@code --steps-per-fit} minibatches, divided by their number), in interleaved rounds, and prints one
 * line per measurement with the median and the minimum, then a Markdown table of the medians.
 * <pre>
 *   java -cp samples/target/connectome.jar org.dl4jconnectome.samples.SameDiffBenchmark --neurons 299,1000
 * </pre>
 * A benchmark, not part of the command line: run it on a quiet machine, and read the medians.
 */
@Command(name = "samediff-benchmark", mixinStandardHelpOptions = true,
        description = "Times ConnectomeGraph (pure SameDiff) against ConnectomeOdeLayer: forward pass and fit step.")
public final class SameDiffBenchmark implements Callable<Integer> {
    private static final int CLASSES = 10;

    @Option(names = "--neurons", split = ",", description = "Sizes N; 299 is the C. elegans connectome "
            + "(default: ${DEFAULT-VALUE}).")
    private List<Integer> neurons = List.of(299, 1000);

    @Option(names = "--batch", description = "Minibatch size (default: ${DEFAULT-VALUE}).")
    private int batch = 32;

    @Option(names = "--rounds", description = "Rounds; each times every measurement --repeat times "
            + "(default: ${DEFAULT-VALUE}).")
    private int rounds = 3;

    @Option(names = "--repeat", description = "Timed runs per measurement and round (default: ${DEFAULT-VALUE}).")
    private int repeat = 3;

    @Option(names = "--steps-per-fit", description = "Training steps (minibatches) per timed fit call; the time "
            + "reported is per step (default: ${DEFAULT-VALUE}).")
    private int stepsPerFit = 10;

    @Option(names = "--seed", description = "Seed of the random connectomes and data (default: ${DEFAULT-VALUE}).")
    private long seed = 1;

    private SameDiffBenchmark() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SameDiffBenchmark()).execute(args));
    }

    @Override
    public Integer call() {
        MnistClassifier classifier = MnistClassifier.builder().kind(MnistClassifier.Kind.CELEGANS).build();
        Map<String, double[]> medians = new LinkedHashMap<>();
        for (int n : neurons) {
            ConnectomeOdeLayer ode = layer(classifier, n);
            INDArray x = Nd4j.rand(DataType.FLOAT, batch, Mnist.PIXELS);
            INDArray y = Nd4j.zeros(DataType.FLOAT, batch, CLASSES);
            for (int b = 0; b < batch; b++) {
                y.putScalar(b, b % CLASSES, 1f);
            }
            // Training steps are timed within one fit call over several minibatches, as training runs: a SameDiff
            // fit call first builds a training session for the whole graph, which one step alone would pay for.
            List<DataSet> batches = new ArrayList<>();
            for (int i = 0; i < stepsPerFit; i++) {
                batches.add(new DataSet(x, y));
            }
            // One list entry (a whole minibatch) per step.
            DataSetIterator data = new ListDataSetIterator<>(batches, 1);
            MultiLayerNetwork net = network(ode);
            long t0 = System.nanoTime();
            Graph graph = new Graph(ode);
            double buildMs = (System.nanoTime() - t0) / 1e6;
            System.out.println(String.format(Locale.ROOT, "{\"neurons\": %d, \"synapses\": %d, \"op\": \"graph_build\""
                            + ", \"ms\": %.1f, \"ops\": %d}", n, ode.getConnectome().numSynapses(), buildMs,
                    graph.sd.getOps().size()));
            Map<String, Runnable> work = new LinkedHashMap<>();
            work.put("forward/layer", () -> net.output(x));
            work.put("forward/graph", () -> graph.output(x));
            work.put("fit_step/layer", () -> {
                data.reset();
                net.fit(data);
            });
            work.put("fit_step/graph", () -> {
                data.reset();
                graph.sd.fit(data, 1);
            });
            Map<String, List<Double>> times = new LinkedHashMap<>();
            for (Map.Entry<String, Runnable> e : work.entrySet()) {
                e.getValue().run();
                e.getValue().run();
                times.put(e.getKey(), new ArrayList<>());
            }
            for (int r = 0; r < rounds; r++) {
                for (Map.Entry<String, Runnable> e : work.entrySet()) {
                    for (int i = 0; i < repeat; i++) {
                        long s = System.nanoTime();
                        e.getValue().run();
                        int steps = e.getKey().startsWith("fit_step") ? stepsPerFit : 1;
                        times.get(e.getKey()).add((System.nanoTime() - s) / 1e6 / steps);
                    }
                }
            }
            for (Map.Entry<String, List<Double>> e : times.entrySet()) {
                double[] t = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
                double median = t.length % 2 == 1 ? t[t.length / 2] : 0.5 * (t[t.length / 2 - 1] + t[t.length / 2]);
                String[] opImpl = e.getKey().split("/");
                System.out.println(String.format(Locale.ROOT, "{\"neurons\": %d, \"synapses\": %d, \"batch\": %d, "
                                + "\"op\": \"%s\", \"impl\": \"%s\", \"median_ms\": %.1f, \"min_ms\": %.1f, "
                                + "\"runs\": %d}", n, ode.getConnectome().numSynapses(), batch, opImpl[0], opImpl[1],
                        median, t[0], t.length));
                medians.put(n + "/" + e.getKey(), new double[] {median});
            }
        }
        System.out.println();
        System.out.println("| N | forward: layer | forward: graph | ratio | fit step: layer | fit step: graph | ratio |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int n : neurons) {
            double fl = medians.get(n + "/forward/layer")[0];
            double fg = medians.get(n + "/forward/graph")[0];
            double tl = medians.get(n + "/fit_step/layer")[0];
            double tg = medians.get(n + "/fit_step/graph")[0];
            System.out.println(String.format(Locale.ROOT, "| %d | %.1f ms | %.1f ms | %.1f× | %.1f ms | %.1f ms | %.1f× |",
                    n, fl, fg, fg / fl, tl, tg, tg / tl));
        }
        return 0;
    }

    /** The C. elegans classifier's connectome layer, or the same settings on a random connectome of N neurons. */
    private ConnectomeOdeLayer layer(MnistClassifier classifier, int n) {
        MnistConnectome worm = classifier.connectome();
        if (n == worm.connectome().numNeurons()) {
            return classifier.odeLayer(worm).build();
        }
        Connectome worms = worm.connectome();
        double density = (double) worms.numSynapses() / ((long) worms.numNeurons() * worms.numNeurons());
        Connectome c = SyntheticConnectome.generate(n, Math.round(density * n * n), 2, seed);
        Random rnd = new Random(seed);
        int[] target = new int[Mnist.PIXELS];
        Arrays.setAll(target, k -> rnd.nextInt(n));
        int[] readout = new int[Math.min(n, worm.readout().length)];
        Arrays.setAll(readout, i -> i);
        return classifier.odeLayer(worm).connectome(c).inputProjection(InputProjection.identity(target, n))
                .outputNeurons(readout).initialBias((double[]) null).build();
    }

    private MultiLayerNetwork network(ConnectomeOdeLayer ode) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(seed)
                .dataType(DataType.FLOAT).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).list()
                .layer(ode)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(CLASSES).build())
                .setInputType(InputType.feedForward(Mnist.PIXELS)).build());
        net.init();
        return net;
    }

    /** The same model in pure SameDiff: the connectome graph, then a softmax layer. */
    private final class Graph {
        final SameDiff sd = SameDiff.create();

        Graph(ConnectomeOdeLayer ode) {
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, Mnist.PIXELS);
            SDVariable labels = sd.placeHolder("y", DataType.FLOAT, -1, CLASSES);
            ConnectomeGraph model = ConnectomeGraph.builder(ode).build(sd, x);
            long readout = ode.getNOut();
            Nd4j.getRandom().setSeed(seed);
            SDVariable w = sd.var("out/W", Nd4j.randn(DataType.FLOAT, readout, CLASSES)
                    .muli(Math.sqrt(2.0 / (readout + CLASSES))));
            SDVariable b = sd.var("out/b", Nd4j.zeros(DataType.FLOAT, CLASSES));
            SDVariable logits = model.output().mmul(w).add(b);
            sd.nn.softmax("probabilities", logits, 1);
            sd.loss.softmaxCrossEntropy("loss", labels, logits, null);
            sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(1e-3)).dataSetFeatureMapping("x")
                    .dataSetLabelMapping("y").minimize("loss").build());
            // SameDiff M2.1 prints a line to System.out for every op it differentiates.
            PrintStream out = System.out;
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                sd.createGradFunction();
            } finally {
                System.setOut(out);
            }
        }

        INDArray output(INDArray x) {
            return sd.output(Map.of("x", x), "probabilities").get("probabilities");
        }
    }
}
