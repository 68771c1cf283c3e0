package org.dl4jconnectome.samples;

import org.deeplearning4j.arbiter.DL4JConfiguration;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultReference;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultSaver;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jconnectome.io.ModelFiles;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Arbiter's result saver of {@code search}: for every completed candidate, {@code NNN.args} in the candidates folder,
 * the {@code train-mnist} options that build its network with its score as a comment (so {@code train-mnist @NNN.args}
 * trains it), and with {@code --save-models} its trained network, {@code NNN.zip} (DL4J ModelSerializer).
 * <p>
 * Arbiter's UI shows the optimization configuration as JSON, which includes this saver: the folder and the flag are
 * serialized, the search itself is not.
 */
final class CandidateFiles implements ResultSaver {
    @JsonProperty
    private String dir;
    @JsonProperty
    private boolean saveModels;
    @JsonIgnore
    private transient MnistSearch search;
    @JsonIgnore
    private transient String budget;

    /** For Jackson (Arbiter's UI reads the configuration back). */
    private CandidateFiles() {
    }

    /**
     * @param budget the training budget of a candidate, for the comment of its file (e.g. "2 epochs on 7000 digits")
     */
    CandidateFiles(Path dir, boolean saveModels, MnistSearch search, String budget) {
        this.dir = dir.toString();
        this.saveModels = saveModels;
        this.search = search;
        this.budget = budget;
    }

    /** The options file of candidate i. */
    static Path optionsFile(Path dir, int index) {
        return dir.resolve(String.format(Locale.ROOT, "%03d.args", index));
    }

    /** The model of candidate i (only with --save-models). */
    static Path modelFile(Path dir, int index) {
        return dir.resolve(String.format(Locale.ROOT, "%03d.zip", index));
    }

    /** The options of a network, one per line, after comment lines: a picocli @file for train-mnist. */
    static void writeOptions(Path file, List<String> comments, List<String> options) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String c : comments) {
            lines.add("# " + c);
        }
        for (int i = 0; i < options.size(); i += 2) {
            lines.add(options.get(i) + " " + options.get(i + 1));
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    @Override
    public ResultReference saveModel(OptimizationResult result, Object model) throws IOException {
        Path d = Path.of(dir);
        int i = result.getIndex();
        DL4JConfiguration c = (DL4JConfiguration) result.getCandidate().getValue();
        writeOptions(optionsFile(d, i), List.of(String.format(Locale.ROOT,
                "search candidate %d: validation accuracy %.4f after %s", i, result.getScore(), budget),
                "train it: java -jar connectome.jar train-mnist @" + optionsFile(d, i)),
                search.options(c.getMultiLayerConfiguration()));
        File modelFile = null;
        if (saveModels) {
            modelFile = modelFile(d, i).toFile();
            ModelFiles.write((Model) model, modelFile.toPath(), true);
        }
        return new Saved(result, modelFile);
    }

    @Override
    public List<Class<?>> getSupportedCandidateTypes() {
        return List.of(DL4JConfiguration.class);
    }

    @Override
    public List<Class<?>> getSupportedModelTypes() {
        return List.of(MultiLayerNetwork.class);
    }

    @Override
    public String toString() {
        return "CandidateFiles(" + dir + (saveModels ? ", with models" : "") + ")";
    }

    /** A saved candidate: its result, and its model when it was saved. */
    private static final class Saved implements ResultReference {
        private final OptimizationResult result;
        private final File model;

        Saved(OptimizationResult result, File model) {
            this.result = result;
            this.model = model;
        }

        @Override
        public OptimizationResult getResult() {
            return result;
        }

        /** The trained network, or null when models are not saved. */
        @Override
        public Object getResultModel() throws IOException {
            return model == null ? null : ModelFiles.restoreMultiLayerNetwork(model.toPath(), true);
        }
    }
}
