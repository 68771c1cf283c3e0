package org.dl4jconnectome.samples;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.listeners.PerformanceListener;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.dl4jconnectome.zoo.CheckpointProvenance;
import org.dl4jconnectome.zoo.CheckpointSpec;
import org.dl4jconnectome.zoo.CheckpointTrainer;
import org.dl4jconnectome.zoo.ConnectomeZooModel;
import org.dl4jconnectome.zoo.Mnist;
import org.nd4j.evaluation.classification.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code connectome zoo}: the pretrained checkpoints of the zoo module (list, info, evaluate, train). */
@Command(name = "zoo", mixinStandardHelpOptions = true,
        description = {"Pretrained connectome networks: list them, show a checkpoint's provenance, evaluate it on "
                + "the bundled MNIST test split, or retrain it from its spec.",
            "The checkpoints ship in the zoo jar; nothing is downloaded."},
        subcommands = {ZooCommand.ListCommand.class, ZooCommand.Info.class, ZooCommand.Evaluate.class,
            ZooCommand.Train.class})
final class ZooCommand {

    /** The zoo model of an id given on the command line, or a usage error listing the ids. */
    static ConnectomeZooModel model(String id) {
        try {
            return ConnectomeZooModel.of(id);
        } catch (IllegalArgumentException e) {
            throw CliError.usage("ID " + id + ": " + e.getMessage());
        }
    }

    static CheckpointProvenance provenance(ConnectomeZooModel model) {
        try {
            return model.provenance();
        } catch (IOException e) {
            throw CliError.failure(e.getMessage(), e);
        }
    }

    /** "3.87 MB", "84.2 kB": a file size in SI units. */
    static String size(long bytes) {
        if (bytes >= 1_000_000) {
            return String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
        }
        return String.format(Locale.ROOT, "%.1f kB", bytes / 1e3);
    }

    /** {@code zoo list}: one line per checkpoint. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "One line per checkpoint: id, size, recorded test accuracy, description.")
    static final class ListCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            out.println(String.format(Locale.ROOT, "%-16s %10s  %-13s  %s", "id", "size", "test accuracy",
                    "description"));
            for (String id : ConnectomeZooModel.ids()) {
                CheckpointProvenance p = provenance(ConnectomeZooModel.of(id));
                out.println(String.format(Locale.ROOT, "%-16s %10s  %-13.4f  %s", id, size(p.checkpoint().bytes()),
                        p.test().accuracy(), p.description()));
            }
            out.flush();
            return 0;
        }
    }

    /** {@code zoo info ID}: the provenance. */
    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "The provenance of a checkpoint (read without loading the network).")
    static final class Info implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ID", description = "The checkpoint (see 'zoo list').")
        private String id;

        @Option(names = "--json", description = "Print the provenance file as it is (JSON).")
        private boolean json;

        @Override
        public Integer call() {
            ConnectomeZooModel model = model(id);
            CheckpointProvenance p = provenance(model);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.print(p.toJson());
            } else {
                for (String line : describe(p, model)) {
                    out.println(line);
                }
            }
            out.flush();
            return 0;
        }

        static List<String> describe(CheckpointProvenance p, ConnectomeZooModel model) {
            List<String> l = new ArrayList<>();
            CheckpointProvenance.Artifact a = p.checkpoint();
            l.add("id:           " + p.id());
            l.add("description:  " + p.description());
            l.add(String.format(Locale.ROOT, "checkpoint:   %s, %,d bytes (%s), sha256 %s, adler32 %d", a.file(),
                    a.bytes(), size(a.bytes()), a.sha256(), a.adler32()));
            l.add("location:     " + model.pretrainedUrl(org.deeplearning4j.zoo.PretrainedType.MNIST));
            CheckpointProvenance.ConnectomeSource c = p.connectome();
            l.add(String.format(Locale.ROOT, "connectome:   %s: %,d neurons, %,d synapses, %d types", c.name(),
                    c.neurons(), c.synapses(), c.types()));
            l.add("  source:     " + c.source());
            l.add("  version:    " + c.version());
            for (Map.Entry<String, String> f : c.dataFiles().entrySet()) {
                l.add("  data file:  " + f.getKey() + " sha256 " + f.getValue());
            }
            l.add("  input:      " + c.input());
            l.add("  readout:    " + c.readout());
            CheckpointProvenance.Network n = p.network();
            l.add(String.format(Locale.ROOT, "network:      %,d parameters (connectome layer %,d), %s", n.parameters(),
                    n.connectomeParameters(), n.dataType()));
            for (String layer : n.layers()) {
                l.add("  layer:      " + layer);
            }
            l.add("  trained:    " + n.trained());
            l.add("  config:     sha256 " + n.configurationSha256() + " (untrained configuration JSON)");
            l.add("  spec:       " + n.spec().toJson().replaceAll("\\s+", " ").trim());
            CheckpointProvenance.Solver s = p.solver();
            l.add(String.format(Locale.ROOT, "solver:       %s, t in [%s, %s], %d evaluation points, tau >= %s",
                    s.training(), s.startTime(), s.endTime(), s.evaluationPoints(), s.tauMin()));
            CheckpointProvenance.Training t = p.training();
            l.add("training:     " + t.data());
            l.add(String.format(Locale.ROOT, "  budget:     %d epochs, batch %d, %,d iterations, seed %d, %s",
                    t.epochs(), t.batch(), t.iterations(), t.seed(), t.updater()));
            l.add("  data:       " + t.digits() + " digits, sha256 " + t.dataSha256());
            l.add(String.format(Locale.ROOT, "  time:       %.1f s on %s; kernels %s", t.seconds(), t.machine(),
                    t.kernels()));
            CheckpointProvenance.TestResult r = p.test();
            l.add(String.format(Locale.ROOT, "test:         accuracy %.4f on %s", r.accuracy(), r.data()));
            l.add("  data:       " + r.digits() + " digits, sha256 " + r.dataSha256());
            l.add("  probe:      outputs recorded on digits " + r.probeDigits()[0] + ".."
                    + r.probeDigits()[r.probeDigits().length - 1]);
            CheckpointProvenance.Software sw = p.software();
            l.add("software:     " + sw.library() + ", commit " + sw.commit()
                    + (sw.workingTreeClean() == null ? "" : sw.workingTreeClean() ? " (clean)"
                    : " (with uncommitted changes)") + ", DL4J " + sw.dl4j());
            l.add("  created:    " + sw.created());
            l.add("  command:    " + sw.command());
            return l;
        }
    }

    /** {@code zoo evaluate ID}: loads the checkpoint as a user would and tests it. */
    @Command(name = "evaluate", mixinStandardHelpOptions = true,
            description = {"Loads a checkpoint with initPretrained() (as a user would) and prints its accuracy on the "
                    + "bundled 2,000 test digits last: 'test accuracy: 0.NNNN'."})
    static final class Evaluate implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ID", description = "The checkpoint (see 'zoo list').")
        private String id;

        @Override
        public Integer call() throws IOException {
            ConnectomeZooModel model = model(id);
            CheckpointProvenance p = provenance(model);
            PrintWriter out = spec.commandLine().getOut();
            Progress progress = new Progress(spec.commandLine().getErr());
            MultiLayerNetwork net;
            try (Progress.Phase ph = progress.begin("loading " + id)) {
                net = model.initPretrained();
            } catch (IOException e) {
                throw CliError.failure(e.getMessage(), e);
            }
            Evaluation eval;
            try (Progress.Phase ph = progress.begin("evaluating on the " + Mnist.TEST_SIZE + " test digits")) {
                Mnist mnist = Mnist.bundled();
                eval = net.evaluate(mnist.iterator(Mnist.TRAIN_SIZE, Mnist.TRAIN_SIZE + Mnist.TEST_SIZE,
                        p.training().batch()));
            }
            out.println("checkpoint: " + id + " (" + model.pretrainedUrl(org.deeplearning4j.zoo.PretrainedType.MNIST)
                    + ")");
            out.println(String.format(Locale.ROOT, "recorded test accuracy: %.4f", p.test().accuracy()));
            out.println(String.format(Locale.ROOT, "test accuracy: %.4f", eval.accuracy()));
            out.flush();
            return 0;
        }
    }

    /** {@code zoo train ID}: retrains a checkpoint from its spec. */
    @Command(name = "train", mixinStandardHelpOptions = true,
            description = {"Retrains a checkpoint from its spec (the one shipped beside it, or --spec FILE) and writes "
                    + "ID.zip, ID.provenance.json and ID.spec.json to --out-dir; prints 'test accuracy: 0.NNNN' last.",
                "The same spec gives the same network: training runs the scalar kernels, which are reproducible "
                        + "bit for bit (-Ddl4jconnectome.kernels=vector for the faster SIMD ones, which drift by "
                        + "about 0.1 %% in accuracy from run to run).",
                "To update a shipped checkpoint, write to zoo/src/main/resources/org/dl4jconnectome/zoo/checkpoints "
                        + "and rebuild."})
    static final class Train implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ID", description = "The checkpoint (see 'zoo list').")
        private String id;

        @Option(names = "--spec", paramLabel = "FILE",
                description = "Train these settings instead of the shipped spec (JSON, same id; see "
                        + "the README's zoo section for the fields).")
        private Path specFile;

        @Option(names = "--args", paramLabel = "FILE",
                description = {"train-mnist options to apply to the spec, e.g. the best.args a 'search' saved "
                        + "('#' lines are comments): " + "--connectome --extent --hidden --num-steps --end-time "
                        + "--tau-min --lr --seed --batch --type-tau --type-pair-gain-init --epochs --limit-train.",
                    "The spec written beside the checkpoint then holds the result."})
        private Path argsFile;

        @Option(names = "--out-dir", paramLabel = "DIR",
                description = "Where to write the checkpoint's three files, replacing them (created if needed) "
                        + "(default: ${DEFAULT-VALUE}).")
        private Path outDir = Path.of("zoo-checkpoints");

        /** The library's system property that chooses its sparse kernels. */
        static final String KERNELS_PROPERTY = "dl4jconnectome.kernels";

        @Override
        public Integer call() throws IOException {
            ConnectomeZooModel model = model(id);
            CheckpointSpec checkpointSpec = readSpec(model);
            // The Vector API kernels' exp, tanh and lane sums differ from run to run (JIT intrinsics or not), so two
            // trainings drift apart; the scalar kernels give the same network bit for bit on the same machine. They
            // are chosen when the first layer runs, which in a fresh JVM is after this; -D... overrides it.
            if (System.getProperty(KERNELS_PROPERTY) == null) {
                System.setProperty(KERNELS_PROPERTY, "scalar");
            }
            OutputPaths.checkDirectory("--out-dir", outDir, Map.of());
            PrintWriter out = spec.commandLine().getOut();
            Progress progress = new Progress(spec.commandLine().getErr());
            int iterations = (checkpointSpec.trainDigits() + checkpointSpec.batch() - 1) / checkpointSpec.batch();
            out.println("training " + checkpointSpec);
            out.flush();
            String[] git = git();
            List<String> command = new ArrayList<>(List.of("connectome", "zoo", "train", id));
            if (specFile != null) {
                command.add("--spec");
                command.add(specFile.toString());
            }
            if (argsFile != null) {
                command.add("--args");
                command.add(argsFile.toString());
            }
            CheckpointTrainer trainer = new CheckpointTrainer(checkpointSpec)
                    .software(git[0], git[1] == null ? null : Boolean.valueOf(git[1]), String.join(" ", command))
                    .trainingListeners(new ScoreIterationListener(Math.max(1, iterations / 10)),
                            new PerformanceListener(Math.max(1, iterations / 10), false))
                    .listener(new CheckpointTrainer.Listener() {
                        private Progress.Phase phase;

                        @Override
                        public void phaseStarted(String name) {
                            phase = progress.begin(name);
                        }

                        @Override
                        public void phaseEnded(String name) {
                            phase.close();
                        }
                    });
            CheckpointTrainer.Result result;
            try {
                result = trainer.train();
            } catch (IllegalArgumentException e) {
                throw CliError.usage((specFile != null ? "--spec " + specFile : "the spec of " + id)
                        + (argsFile != null ? " with --args " + argsFile : "") + ": " + e.getMessage(), e);
            }
            CheckpointProvenance written;
            try {
                written = result.write(outDir);
            } catch (IOException e) {
                throw CliError.failure("--out-dir " + outDir + ": cannot write the checkpoint: " + e.getMessage(), e);
            }
            double accuracy = written.test().accuracy();
            out.println(String.format(Locale.ROOT, "checkpoint written: %s (%,d bytes), %s, %s",
                    outDir.resolve(written.checkpoint().file()), written.checkpoint().bytes(),
                    outDir.resolve(id + ".provenance.json"), outDir.resolve(id + ".spec.json")));
            try {
                double shipped = model.provenance().test().accuracy();
                out.println(String.format(Locale.ROOT, "shipped checkpoint's test accuracy: %.4f (this run %+.4f)",
                        shipped, accuracy - shipped));
            } catch (IOException e) {
                out.println("shipped checkpoint: none (" + e.getMessage() + ")");
            }
            out.println("kernels: " + written.training().kernels());
            out.println(String.format(Locale.ROOT, "wall time: %.1f s", written.training().seconds()));
            out.println(String.format(Locale.ROOT, "test accuracy: %.4f", accuracy));
            out.flush();
            return 0;
        }

        /** The train-mnist options that are checkpoint settings, and the spec field each sets. */
        private static final Map<String, String> SPEC_FIELDS = Map.ofEntries(Map.entry("--connectome", "connectome"),
                Map.entry("--extent", "extent"), Map.entry("--hidden", "hidden"),
                Map.entry("--num-steps", "evaluationPoints"), Map.entry("--end-time", "endTime"),
                Map.entry("--tau-min", "tauMin"), Map.entry("--lr", "learningRate"), Map.entry("--seed", "seed"),
                Map.entry("--batch", "batch"), Map.entry("--type-tau", "typeTau"),
                Map.entry("--type-pair-gain-init", "typePairGainInit"), Map.entry("--epochs", "epochs"),
                Map.entry("--limit-train", "trainDigits"));

        private CheckpointSpec readSpec(ConnectomeZooModel model) {
            CheckpointSpec s = readBaseSpec(model);
            if (argsFile == null) {
                return s;
            }
            Map<String, String> changes = new java.util.LinkedHashMap<>();
            List<String> lines;
            try {
                lines = Files.readAllLines(argsFile, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw CliError.usage("--args " + argsFile + ": no such file", e);
            } catch (IOException e) {
                throw CliError.usage("--args " + argsFile + ": cannot read it (" + e + ")", e);
            }
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n).trim();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] words = line.split("\\s+|=", 2);
                String field = SPEC_FIELDS.get(words[0]);
                if (field == null || words.length < 2 || words[1].isBlank() || words[1].trim().contains(" ")) {
                    throw CliError.usage("--args " + argsFile + ": line " + (n + 1) + ": '" + line + "': expected one "
                            + "option and its value per line, one of " + String.join(" ", new java.util.TreeSet<>(
                            SPEC_FIELDS.keySet())));
                }
                changes.put(field, words[1].trim());
            }
            try {
                return s.with(changes, "--args " + argsFile);
            } catch (IOException e) {
                throw CliError.usage(e.getMessage(), e);
            }
        }

        private CheckpointSpec readBaseSpec(ConnectomeZooModel model) {
            if (specFile == null) {
                try {
                    return model.spec();
                } catch (IOException e) {
                    throw CliError.failure(e.getMessage(), e);
                }
            }
            CheckpointSpec s;
            try (InputStream in = Files.newInputStream(specFile)) {
                s = CheckpointSpec.read(in, specFile.toString());
            } catch (NoSuchFileException e) {
                throw CliError.usage("--spec " + specFile + ": no such file", e);
            } catch (IOException e) {
                // CheckpointSpec's messages begin with the file name and say what is wrong with it.
                String m = String.valueOf(e.getMessage());
                throw CliError.usage("--spec " + (m.startsWith(specFile + ": ") ? m
                        : specFile + ": cannot read it (" + e + ")"), e);
            }
            if (!s.id().equals(id)) {
                throw CliError.usage("--spec " + specFile + ": its id is " + s.id() + ", expected " + id);
            }
            return s;
        }

        /** The commit of the working directory's git checkout and whether it is clean; "unknown"/null without git. */
        private static String[] git() {
            String head = run("git", "rev-parse", "HEAD");
            if (head == null) {
                return new String[] {"unknown", null};
            }
            String status = run("git", "status", "--porcelain", "--untracked-files=no");
            return new String[] {head.trim(), status == null ? null : String.valueOf(status.isBlank())};
        }

        private static String run(String... command) {
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                p.getOutputStream().close();
                byte[] output = p.getInputStream().readAllBytes();
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    return null;
                }
                return new String(output, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }
}
