package org.dl4jconnectome.zoo;

import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.DeserializationFeature;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * Where a zoo checkpoint comes from, stored beside it as {@code ID.provenance.json} and readable without loading the
 * network (in the spirit of Tribuo's model provenance): the file and its checksums, the connectome's source and
 * version, the model's settings and the hash of its configuration, the solver, the training data and its hash, the
 * seed, epochs and time, the test accuracy with the outputs on {@value #PROBE_DIGITS} fixed test digits, and the
 * software that trained it.
 * <p>
 * Reading ignores fields it does not know, so a provenance written by a later version still reads.
 *
 * @param id          the checkpoint's id (its {@link CheckpointSpec#id()})
 * @param description one line about the checkpoint
 * @param checkpoint  the model zip
 * @param connectome  the connectome the model runs on
 * @param network     what the network is
 * @param solver      how the connectome layer integrates
 * @param training    what it was trained on and how
 * @param test        how it scored on the bundled test split
 * @param software    what trained it
 */
public record CheckpointProvenance(String id, String description, Artifact checkpoint, ConnectomeSource connectome,
                                   Network network, Solver solver, Training training, TestResult test,
                                   Software software) {
    /** The number of fixed test digits (the first of the test split) whose outputs are recorded. */
    public static final int PROBE_DIGITS = 8;

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * The model zip as written by {@code ModelSerializer} (without updater state).
     *
     * @param file    its file name, also the name under the cache directory and the base URL
     * @param bytes   its size
     * @param sha256  SHA-256 of the file, lower-case hex
     * @param adler32 Adler-32 of the file, the checksum DL4J's {@code ZooModel} checks
     */
    public record Artifact(String file, long bytes, String sha256, long adler32) {
    }

    /**
     * The connectome.
     *
     * @param name      what it is
     * @param source    where its data come from (repository, file, paper)
     * @param version   the data's version (release and snapshot commit)
     * @param dataFiles SHA-256 of each bundled data file it was built from, by resource name
     * @param neurons   neurons
     * @param synapses  synapses
     * @param types     neuron types
     * @param input     how the 784 pixels drive it
     * @param readout   which neurons the classifier reads, and how many
     */
    public record ConnectomeSource(String name, String source, String version, Map<String, String> dataFiles,
                                   int neurons, int synapses, int types, String input, String readout) {
    }

    /**
     * The network.
     *
     * @param spec                the settings it was built and trained from
     * @param configurationSha256 SHA-256 of the untrained network's configuration JSON (UTF-8), as
     *                            {@code init()} builds it; the trained file's own configuration also counts the
     *                            iterations and epochs done
     * @param parameters          all parameters
     * @param connectomeParameters parameters of the connectome layer
     * @param dataType            the network's data type
     * @param layers              one line per layer
     * @param trained             what trains in the connectome layer
     */
    public record Network(CheckpointSpec spec, String configurationSha256, long parameters, long connectomeParameters,
                        String dataType, List<String> layers, String trained) {
    }

    /**
     * The connectome layer's solver.
     *
     * @param training         the solver of training (and of inference here)
     * @param startTime        t0
     * @param endTime          t1
     * @param evaluationPoints evaluation points over [t0, t1]
     * @param tauMin           lower bound of the time constants
     */
    public record Solver(String training, double startTime, double endTime, int evaluationPoints, double tauMin) {
    }

    /**
     * The training run.
     *
     * @param data       the training data
     * @param digits     how many digits (the first of the training split)
     * @param dataSha256 SHA-256 of those digits' pixels then labels, one byte each, as in the IDX files
     * @param epochs     passes over the digits
     * @param batch      mini-batch size
     * @param iterations parameter updates
     * @param seed       the network's seed
     * @param updater    the updater
     * @param seconds    wall time of the run (building, training, evaluating)
     * @param kernels    the sparse kernels and their threads
     * @param machine    processors, operating system and Java
     */
    public record Training(String data, int digits, String dataSha256, int epochs, int batch, long iterations,
                           long seed, String updater, double seconds, String kernels, String machine) {
    }

    /**
     * The test of the trained network.
     *
     * @param data         the test data
     * @param digits       how many test digits
     * @param dataSha256   SHA-256 of those digits' pixels then labels
     * @param accuracy     the accuracy on them
     * @param probeDigits  indices (in the bundled 10,000) of the fixed digits whose outputs are recorded
     * @param probeLabels  their labels
     * @param probeOutputs the network's outputs (class probabilities) on them, one row per digit
     */
    public record TestResult(String data, int digits, String dataSha256, double accuracy, int[] probeDigits,
                             int[] probeLabels, float[][] probeOutputs) {
    }

    /**
     * What trained it.
     *
     * @param library          dl4j-connectome's version
     * @param commit           the git commit of the working tree that trained it ("unknown" outside a checkout)
     * @param workingTreeClean whether that working tree had no uncommitted changes (null when unknown)
     * @param dl4j             DL4J's version
     * @param created          when the checkpoint was written (ISO-8601, UTC)
     * @param command          the command that trained it
     */
    public record Software(String library, String commit, Boolean workingTreeClean, String dl4j, String created,
                           String command) {
    }

    /**
     * Reads a provenance.
     *
     * @param source names it in error messages
     * @throws IOException naming the source if it is not a provenance JSON
     */
    public static CheckpointProvenance read(InputStream in, String source) throws IOException {
        CheckpointProvenance p;
        try {
            p = JSON.readValue(in, CheckpointProvenance.class);
        } catch (JsonProcessingException e) {
            throw new IOException(source + ": not a checkpoint provenance: " + e.getOriginalMessage(), e);
        }
        if (p == null || p.id() == null || p.checkpoint() == null || p.checkpoint().file() == null
                || p.checkpoint().sha256() == null) {
            throw new IOException(source + ": not a checkpoint provenance: it lacks the id, the file or its SHA-256");
        }
        return p;
    }

    /** This provenance as indented JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the provenance of " + id + " as JSON", e);
        }
    }

    /** The same provenance describing another file. */
    CheckpointProvenance withCheckpoint(Artifact file) {
        return new CheckpointProvenance(id, description, file, connectome, network, solver, training, test, software);
    }
}
