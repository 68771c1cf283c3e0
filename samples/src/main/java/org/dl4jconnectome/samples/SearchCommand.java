package org.dl4jconnectome.samples;

import org.deeplearning4j.arbiter.MultiLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxCandidatesCondition;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxTimeCondition;
import org.deeplearning4j.arbiter.optimize.api.termination.TerminationCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.distribution.LogUniformDistribution;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.StatusListener;
import org.deeplearning4j.arbiter.scoring.impl.EvaluationScoreFunction;
import org.deeplearning4j.arbiter.task.MultiLayerNetworkTaskCreator;
import org.deeplearning4j.arbiter.task.TaskListener;
import org.deeplearning4j.arbiter.ui.listener.ArbiterStatusListener;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.dl4jconnectome.arbiter.ConnectomeOdeLayerSpace;
import org.dl4jconnectome.zoo.Mnist;
import org.dl4jconnectome.zoo.MnistClassifier;
import org.dl4jconnectome.zoo.MnistConnectome;
import org.nd4j.evaluation.classification.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code search}: an Arbiter hyperparameter search over the time constants, the initial type-pair gains and the
 * learning rate (optionally the end time) of the MNIST classifier of {@code train-mnist}, on the bundled digits.
 * <p>
 * Each candidate trains on the first training digits and is scored by its accuracy on the last training digits (a
 * validation split; the test split is left for the final check). A line per candidate goes to stderr; its
 * {@code train-mnist} options are saved as it finishes; at the end a table of the candidates goes to stdout, with
 * {@code results.csv}, {@code scores.png} and the best configuration as {@code best.args}, which
 * {@code train-mnist @best.args} trains on all training digits and tests.
 */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = {"Arbiter hyperparameter search (random or grid) over the time constants, type-pair gains and "
                + "learning rate of the train-mnist classifier, scored on validation digits held out of the "
                + "training split.",
                "Progress goes to stderr, the summary table and the best configuration to stdout; files go to "
                        + "--out-dir (candidates/NNN.args, results.csv, scores.png, best.args)."})
final class SearchCommand implements Callable<Integer> {
    static final String BEST = "best.args";
    static final String RESULTS = "results.csv";
    static final String SCORES = "scores.png";
    static final String CANDIDATES = "candidates";
    /** Arbiter's UI listener serializes the candidate's whole configuration on every report: report every 50th. */
    static final int ARBITER_UI_EVERY = 50;

    @Spec
    private CommandSpec spec;

    @Mixin
    private ClassifierOptions classifierOptions;

    @Mixin
    private UiOptions uiOptions;

    @Option(names = "--method", paramLabel = "random|grid",
            description = "random: candidates drawn at random (seeded by --search-seed); grid: the corners and "
                    + "--grid-points values per hyperparameter, in grid order (default: ${DEFAULT-VALUE}).")
    private String method = "random";

    @Option(names = "--candidates", paramLabel = "N", description = "Candidate budget (default: ${DEFAULT-VALUE}).")
    private int candidates = 10;

    @Option(names = "--time-budget", paramLabel = "MINUTES",
            description = "Time budget: no candidate starts after it (the running one finishes) (default: none).")
    private Double timeBudget;

    @Option(names = "--grid-points", paramLabel = "N",
            description = "Values per hyperparameter of a grid search (default: ${DEFAULT-VALUE}).")
    private int gridPoints = 3;

    @Option(names = "--epochs", paramLabel = "N", description = "Passes over the training digits per candidate "
            + "(default: ${DEFAULT-VALUE}).")
    private int epochs = 2;

    @Option(names = "--limit-train", paramLabel = "N",
            description = "Each candidate trains on the first N training digits (default: ${DEFAULT-VALUE}).")
    private int limitTrain = Mnist.TRAIN_SIZE - 1000;

    @Option(names = "--validation", paramLabel = "N",
            description = "Candidates are scored on the last N training digits, which --limit-train must leave out "
                    + "(default: ${DEFAULT-VALUE}).")
    private int validation = 1000;

    @Option(names = "--tau", paramLabel = "scale|per-type",
            description = "scale: one factor for every type's time constant; per-type: one time constant per "
                    + "neuron type (random search only) (default: ${DEFAULT-VALUE}).")
    private String tau = "scale";

    @Option(names = "--tau-range", split = ",", paramLabel = "LO,HI", hideParamSyntax = true,
            description = "Range of the time constants (per-type) or of the factor (scale), log-uniform "
                    + "(default: 0.5,3).")
    private double[] tauRange = {0.5, 3};

    @Option(names = "--gains", paramLabel = "shared|per-pair",
            description = "shared: one initial gain for every type pair; per-pair: one per (postsynaptic, "
                    + "presynaptic) type pair (random search only) (default: ${DEFAULT-VALUE}).")
    private String gains = "shared";

    @Option(names = "--gain-range", split = ",", paramLabel = "LO,HI", hideParamSyntax = true,
            description = "Range of the initial type-pair gains, uniform (default: 0.5,2).")
    private double[] gainRange = {0.5, 2};

    @Option(names = "--lr-range", split = ",", paramLabel = "LO,HI", hideParamSyntax = true,
            description = "Range of Adam's learning rate, log-uniform (default: 5e-4,1e-2).")
    private double[] lrRange = {5e-4, 1e-2};

    @Option(names = "--end-time-range", split = ",", paramLabel = "LO,HI", hideParamSyntax = true,
            description = "Also search the end time t1 in this range, uniform (default: t1 fixed by --end-time).")
    private double[] endTimeRange;

    @Option(names = "--search-seed", paramLabel = "SEED",
            description = "Seed of the random candidates (default: ${DEFAULT-VALUE}).")
    private long searchSeed = 1;

    @Option(names = "--out-dir", paramLabel = "DIR",
            description = "Folder of the results (created if missing; files of an earlier search there are "
                    + "replaced) (default: ${DEFAULT-VALUE}).")
    private Path outDir = Path.of("search-output");

    @Option(names = "--save-models", description = "Also save every candidate's trained network, candidates/NNN.zip.")
    private boolean saveModels;

    @Override
    public Integer call() throws IOException {
        validate();
        // The classifier's own learning rate is replaced by the searched one.
        MnistClassifier classifier = classifierOptions.classifier(lrRange[0]);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = new Progress(err);
        long start = System.nanoTime();

        MnistSearch search;
        try (Progress.Phase p = progress.begin("building the " + classifierOptions.connectome + " connectome")) {
            MnistConnectome model = classifier.connectome();
            search = new MnistSearch(classifier, model, classifierOptions.batch);
        }
        classifierOptions.checkHidden(search.model().readout().length);
        MultiLayerSpace space = search.space(layerSpace(search), logUniform(lrRange), epochs);
        CandidateGenerator generator = generator(space);
        int budget = generator instanceof GridSearchCandidateGenerator
                ? Math.min(candidates, ((GridSearchCandidateGenerator) generator).getTotalNumCandidates())
                : candidates;

        Path candidatesDir = outDir.resolve(CANDIDATES);
        Files.createDirectories(candidatesDir);
        String perCandidate = epochs + " epoch" + (epochs == 1 ? "" : "s") + " on " + limitTrain + " digits";
        List<TerminationCondition> stop = new ArrayList<>(List.of(new MaxCandidatesCondition(budget)));
        if (timeBudget != null) {
            stop.add(new MaxTimeCondition(Math.round(timeBudget * 60), TimeUnit.SECONDS));
        }
        OptimizationConfiguration config = new OptimizationConfiguration.Builder()
                .candidateGenerator(generator)
                .dataSource(MnistSearchData.class, MnistSearchData.properties(limitTrain, validation,
                        classifierOptions.batch))
                .modelSaver(new CandidateFiles(candidatesDir, saveModels, search, perCandidate))
                .scoreFunction(new EvaluationScoreFunction(Evaluation.Metric.ACCURACY))
                .terminationConditions(stop)
                .rngSeed(searchSeed)
                .build();

        TrainingUi ui = uiOptions.enabled ? TrainingUi.start(uiOptions.port) : null;
        LocalOptimizationRunner runner = new LocalOptimizationRunner(config,
                new MultiLayerNetworkTaskCreator(null, ui == null ? null : new CandidateStats(ui)));
        SearchProgress results = new SearchProgress(err, budget, search);
        runner.addListeners(results);
        if (ui != null) {
            runner.addListeners(new EveryNthIteration(new ArbiterStatusListener("search", ui.storage()),
                    ARBITER_UI_EVERY));
            err.println("Arbiter UI: " + ui.address() + "/arbiter; training of the running candidate: "
                    + ui.address() + "/train/overview");
        }
        err.println(method + " search, " + budget + " candidate" + (budget == 1 ? "" : "s") + " of " + perCandidate
                + ", scored on the last " + validation + " training digits; hyperparameters: "
                + space.numParameters());
        err.flush();
        runner.execute();

        summarize(results, perCandidate, (System.nanoTime() - start) / 1e9, out);
        if (ui != null) {
            ui.waitOnTerminal(err);
        }
        return 0;
    }

    private void validate() {
        check(method.equals("random") || method.equals("grid"), "--method", method, "random or grid");
        check(tau.equals("scale") || tau.equals("per-type"), "--tau", tau, "scale or per-type");
        check(gains.equals("shared") || gains.equals("per-pair"), "--gains", gains, "shared or per-pair");
        check(candidates >= 1, "--candidates", candidates, "at least 1");
        check(timeBudget == null || (timeBudget > 0 && Double.isFinite(timeBudget)), "--time-budget", timeBudget,
                "a positive number of minutes");
        check(gridPoints >= 2, "--grid-points", gridPoints, "at least 2 (the two ends of each range)");
        check(epochs >= 1, "--epochs", epochs, "at least 1");
        check(validation >= 1 && validation < Mnist.TRAIN_SIZE, "--validation", validation,
                "1.." + (Mnist.TRAIN_SIZE - 1));
        check(limitTrain >= 1 && limitTrain <= Mnist.TRAIN_SIZE - validation, "--limit-train", limitTrain,
                "1.." + (Mnist.TRAIN_SIZE - validation) + " (the training digits before the " + validation
                        + " validation digits)");
        checkRange("--tau-range", tauRange, 0, false);
        checkRange("--gain-range", gainRange, 0, true);
        checkRange("--lr-range", lrRange, 0, false);
        if (endTimeRange != null) {
            checkRange("--end-time-range", endTimeRange, 0, false);
        }
        if (method.equals("grid")) {
            check(tau.equals("scale") && gains.equals("shared"), "--method", "grid",
                    "--tau scale and --gains shared (a grid over one value per type or per type pair has "
                            + "--grid-points^(types) candidates)");
        }
        // Checked (created and written to) before any work.
        OutputPaths.checkDirectory("--out-dir", outDir, Map.of());
    }

    private void checkRange(String option, double[] r, double lowest, boolean lowestAllowed) {
        String value = Arrays.toString(r).replaceAll("[\\[\\] ]", "");
        check(r.length == 2, option, value, "two numbers LO,HI");
        check(Double.isFinite(r[0]) && Double.isFinite(r[1]) && r[0] < r[1], option, value,
                "finite LO < HI");
        check(lowestAllowed ? r[0] >= lowest : r[0] > lowest, option, value,
                "LO " + (lowestAllowed ? ">= " : "> ") + lowest);
    }

    /** The connectome layer's space; its own checks (τ ≥ τ_min, stable steps) become usage errors. */
    private ConnectomeOdeLayerSpace layerSpace(MnistSearch search) {
        ConnectomeOdeLayerSpace.Builder b = search.layerSpace();
        if (tau.equals("scale")) {
            b.tauScale(logUniform(tauRange));
        } else {
            b.typeTauRange(tauRange[0], tauRange[1]);
        }
        if (gains.equals("shared")) {
            b.typePairGainInit(new ContinuousParameterSpace(gainRange[0], gainRange[1]));
        } else {
            b.typePairGainInitPerPairRange(gainRange[0], gainRange[1]);
        }
        if (endTimeRange != null) {
            b.endTime(new ContinuousParameterSpace(endTimeRange[0], endTimeRange[1]));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--tau " + tau + " --tau-range " + tauRange[0] + ","
                    + tauRange[1] + (endTimeRange == null ? "" : " --end-time-range " + endTimeRange[0] + ","
                    + endTimeRange[1]) + " with " + classifierOptions.solverOptions() + ": " + e.getMessage());
        }
    }

    private static ParameterSpace<Double> logUniform(double[] range) {
        return new ContinuousParameterSpace(new LogUniformDistribution(range[0], range[1]));
    }

    private CandidateGenerator generator(MultiLayerSpace space) {
        if (method.equals("random")) {
            return new RandomSearchGenerator(space);
        }
        // Sequential: Arbiter shuffles a random-order grid before the search seed reaches the generator.
        return new GridSearchCandidateGenerator(space, gridPoints, GridSearchCandidateGenerator.Mode.Sequential, null);
    }

    /** The table (stdout), results.csv, scores.png and best.args. */
    private void summarize(SearchProgress results, String perCandidate, double seconds, PrintWriter out)
            throws IOException {
        List<SearchProgress.Row> rows = results.rows();
        List<SearchProgress.Row> ranked = results.ranked();
        writeCsv(rows);
        if (ranked.isEmpty()) {
            String failure = rows.isEmpty() ? "no candidate ran" : rows.get(0).failure();
            throw CliError.failure("no candidate completed (" + rows.size() + " failed; the first: " + failure
                    + ")", null);
        }
        int[] index = new int[ranked.size()];
        double[] scores = new double[ranked.size()];
        List<SearchProgress.Row> inOrder = new ArrayList<>(ranked);
        inOrder.sort((a, b) -> Integer.compare(a.index(), b.index()));
        for (int i = 0; i < inOrder.size(); i++) {
            index[i] = inOrder.get(i).index();
            scores[i] = inOrder.get(i).score();
        }
        Charts.searchScores(index, scores, method + " search: validation accuracy of each candidate ("
                + perCandidate + ")", outDir.resolve(SCORES));

        out.println(String.format(Locale.ROOT, "%s search: %d candidate%s completed, %d failed, %s each, scored "
                        + "on %d validation digits, %.0f s", method, ranked.size(), ranked.size() == 1 ? "" : "s",
                rows.size() - ranked.size(), perCandidate, validation, seconds));
        out.println(String.format(Locale.ROOT, "%4s  %9s  %8s  %9s  %-24s  %-24s  %6s  %7s", "rank", "candidate",
                "val_acc", "lr", "tau", "gain", "t1", "seconds"));
        for (int r = 0; r < ranked.size(); r++) {
            SearchProgress.Row row = ranked.get(r);
            out.println(String.format(Locale.ROOT, "%4d  %9d  %8.4f  %9.3g  %-24s  %-24s  %6.3g  %7.0f", r + 1,
                    row.index(), row.score(), row.learningRate(), SearchProgress.summary(row.tau()),
                    row.gains() == null ? "-" : SearchProgress.summary(row.gains()), row.endTime(), row.seconds()));
        }
        SearchProgress.Row best = ranked.get(0);
        Path bestFile = outDir.resolve(BEST);
        List<String> options = best.options();
        CandidateFiles.writeOptions(bestFile, List.of(String.format(Locale.ROOT,
                "best of a %s search of %d candidates: candidate %d, validation accuracy %.4f after %s", method,
                ranked.size(), best.index(), best.score(), perCandidate),
                "train it on all training digits and test it: java -jar connectome.jar train-mnist @" + bestFile),
                options);
        out.println(String.format(Locale.ROOT, "best: candidate %d, validation accuracy %.4f", best.index(),
                best.score()));
        out.println("best configuration: train-mnist " + String.join(" ", options));
        out.println("saved to " + bestFile + " (train-mnist @" + bestFile + "), table in "
                + outDir.resolve(RESULTS) + ", chart in " + outDir.resolve(SCORES));
        out.flush();
    }

    private void writeCsv(List<SearchProgress.Row> rows) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("candidate,validation_accuracy,learning_rate,tau_mean,tau_min,tau_max,gain_mean,gain_min,gain_max,"
                + "end_time,seconds,failure");
        for (SearchProgress.Row r : rows) {
            if (r.completed()) {
                double[] t = stats(r.tau());
                double[] g = r.gains() == null ? new double[] {Double.NaN, Double.NaN, Double.NaN} : stats(r.gains());
                lines.add(String.format(Locale.ROOT, "%d,%.4f,%s,%s,%s,%s,%s,%s,%s,%s,%.1f,", r.index(), r.score(),
                        r.learningRate(), t[0], t[1], t[2], g[0], g[1], g[2], r.endTime(), r.seconds()));
            } else {
                lines.add(r.index() + ",,,,,,,,,,,\"" + r.failure().replace("\"", "'") + "\"");
            }
        }
        Files.write(outDir.resolve(RESULTS), lines, StandardCharsets.UTF_8);
    }

    /** mean, min, max. */
    static double[] stats(double[] v) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (double x : v) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
            sum += x;
        }
        return new double[] {sum / v.length, lo, hi};
    }

    private void check(boolean ok, String option, Object value, String expected) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), option + " = " + value + ": expected " + expected);
        }
    }

    /** DL4J's StatsListener on each candidate network: the training pages show the candidate in training. */
    static final class CandidateStats implements TaskListener {
        private static final long serialVersionUID = 1L;
        private final transient TrainingUi ui;

        CandidateStats(TrainingUi ui) {
            this.ui = ui;
        }

        @Override
        public <T extends Model> T preProcess(T model, Candidate candidate) {
            if (model instanceof MultiLayerNetwork) {
                ((MultiLayerNetwork) model).addListeners(new StatsListener(ui.newRunStorage(),
                        TrainingUi.STATS_EVERY, "candidate-" + candidate.getIndex()));
            }
            return model;
        }

        @Override
        public void postProcess(Model model, Candidate candidate) {
        }
    }

    /** Passes every report on, but a candidate's iterations only every n-th (each costs a configuration's JSON). */
    static final class EveryNthIteration implements StatusListener {
        private final StatusListener target;
        private final int every;

        EveryNthIteration(StatusListener target, int every) {
            this.target = target;
            this.every = every;
        }

        @Override
        public void onInitialization(IOptimizationRunner runner) {
            target.onInitialization(runner);
        }

        @Override
        public void onShutdown(IOptimizationRunner runner) {
            target.onShutdown(runner);
        }

        @Override
        public void onRunnerStatusChange(IOptimizationRunner runner) {
            target.onRunnerStatusChange(runner);
        }

        @Override
        public void onCandidateStatusChange(CandidateInfo info, IOptimizationRunner runner,
                                            OptimizationResult result) {
            target.onCandidateStatusChange(info, runner, result);
        }

        @Override
        public void onCandidateIteration(CandidateInfo info, Object candidate, int iteration) {
            if (iteration % every == 0) {
                target.onCandidateIteration(info, candidate, iteration);
            }
        }
    }
}
