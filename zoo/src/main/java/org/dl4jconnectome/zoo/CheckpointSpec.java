package org.dl4jconnectome.zoo;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.nd4j.shade.jackson.annotation.JsonPropertyOrder;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.DeserializationFeature;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The training settings of a zoo checkpoint, as data: the {@link MnistClassifier} it is, the connectome layer's
 * initial time constants and gains, and the training budget. A checkpoint's spec lives beside it as
 * {@code ID.spec.json}; {@code connectome zoo train ID} trains exactly what it says, so changing the settings of a
 * checkpoint means editing that file and retraining.
 * <p>
 * The fields and their defaults (the {@code train-mnist} option of the same meaning in brackets):
 * <table>
 * <caption>spec fields</caption>
 * <tr><th>field</th><th>default</th><th>meaning</th></tr>
 * <tr><td>id</td><td>(required)</td><td>the checkpoint's name: lower-case letters, digits and '-'</td></tr>
 * <tr><td>description</td><td>""</td><td>one line for {@code zoo list}</td></tr>
 * <tr><td>connectome</td><td>"flyvis"</td><td>"flyvis" or "celegans" [--connectome]</td></tr>
 * <tr><td>extent</td><td>8</td><td>the fly lattice's radius [--extent]</td></tr>
 * <tr><td>hidden</td><td>128</td><td>units of the dense layer [--hidden]</td></tr>
 * <tr><td>learningRate</td><td>0.002</td><td>Adam's learning rate [--lr]</td></tr>
 * <tr><td>evaluationPoints</td><td>4</td><td>evaluation points over [0, t1] [--num-steps]</td></tr>
 * <tr><td>endTime</td><td>3.0</td><td>t1 [--end-time]</td></tr>
 * <tr><td>tauMin</td><td>0.5</td><td>lower bound of the time constants [--tau-min]</td></tr>
 * <tr><td>seed</td><td>42</td><td>the network's seed [--seed]</td></tr>
 * <tr><td>typeTau</td><td>null (τ = 1)</td><td>initial τ: one value, or one per neuron type [--type-tau]</td></tr>
 * <tr><td>typePairGainInit</td><td>null (1)</td><td>initial type-pair gains: one value, or K×K row-major by
 * postsynaptic type [--type-pair-gain-init]</td></tr>
 * <tr><td>epochs</td><td>5</td><td>passes over the training digits [--epochs]</td></tr>
 * <tr><td>batch</td><td>32</td><td>mini-batch size [--batch]</td></tr>
 * <tr><td>trainDigits</td><td>8000</td><td>the first N digits of the bundled training split [--limit-train]</td></tr>
 * </table>
 * Unknown fields are an error, so that a misspelt setting is not silently left at its default.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"id", "description", "connectome", "extent", "hidden", "learningRate", "evaluationPoints",
    "endTime", "tauMin", "seed", "typeTau", "typePairGainInit", "epochs", "batch", "trainDigits"})
public final class CheckpointSpec {
    private static final Pattern ID = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private String id;
    private String description = "";
    private String connectome = MnistClassifier.Kind.FLYVIS.cliName();
    private int extent = 8;
    private int hidden = 128;
    private double learningRate = 2e-3;
    private int evaluationPoints = 4;
    private double endTime = 3.0;
    private double tauMin = 0.5;
    private long seed = 42;
    private double[] typeTau;
    private double[] typePairGainInit;
    private int epochs = 5;
    private int batch = 32;
    private int trainDigits = Mnist.TRAIN_SIZE;

    /** For Jackson. */
    private CheckpointSpec() {
    }

    /**
     * Reads and checks a spec.
     *
     * @param source names the spec in error messages (a file or resource name)
     * @throws IOException naming the source and the bad field when the JSON is malformed, has an unknown field, or a
     *                     value is out of range
     */
    public static CheckpointSpec read(InputStream in, String source) throws IOException {
        CheckpointSpec spec;
        try {
            spec = JSON.readValue(in, CheckpointSpec.class);
        } catch (JsonProcessingException e) {
            throw new IOException(source + ": not a checkpoint spec: " + e.getOriginalMessage(), e);
        }
        if (spec == null) {
            throw new IOException(source + ": not a checkpoint spec: empty");
        }
        try {
            spec.check();
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
        return spec;
    }

    /** {@link #read(InputStream, String)} of a JSON string. */
    public static CheckpointSpec parse(String json, String source) throws IOException {
        return read(new java.io.ByteArrayInputStream(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)), source);
    }

    /**
     * This spec with some settings replaced, checked as {@link #read} checks a file: field name → value as text, the
     * lists ({@code typeTau}, {@code typePairGainInit}) comma-separated. Unset fields keep this spec's values.
     *
     * @param source names the changes in error messages
     * @throws IOException naming the source and the field for an unknown field or a bad value
     */
    public CheckpointSpec with(Map<String, String> changes, String source) throws IOException {
        ObjectNode node = JSON.valueToTree(this);
        for (Map.Entry<String, String> c : changes.entrySet()) {
            String field = c.getKey();
            if (field.equals("typeTau") || field.equals("typePairGainInit")) {
                ArrayNode list = node.putArray(field);
                for (String v : c.getValue().split(",", -1)) {
                    try {
                        list.add(Double.parseDouble(v.trim()));
                    } catch (NumberFormatException e) {
                        throw new IOException(source + ": " + field + " = " + c.getValue() + ": '" + v
                                + "' is not a number", e);
                    }
                }
            } else {
                node.put(field, c.getValue());
            }
        }
        return read(new java.io.ByteArrayInputStream(JSON.writeValueAsBytes(node)), source);
    }

    /** The spec as indented JSON, fields in the order of the table above (nulls left out). */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write checkpoint spec " + id + " as JSON", e);
        }
    }

    private void check() {
        require(id != null && ID.matcher(id).matches(), "id", id,
                "a name of lower-case letters, digits and single '-' (e.g. flyvis-mnist)");
        require(description != null, "description", null, "a string");
        require(kindOrNull() != null, "connectome", connectome, "flyvis or celegans");
        require(epochs >= 1, "epochs", epochs, "at least 1");
        require(batch >= 1, "batch", batch, "at least 1");
        require(trainDigits >= 1 && trainDigits <= Mnist.TRAIN_SIZE, "trainDigits", trainDigits,
                "1.." + Mnist.TRAIN_SIZE + " (the first N digits of the bundled training split)");
        checkValues("typeTau", typeTau);
        checkValues("typePairGainInit", typePairGainInit);
        try {
            classifier();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replaceFirst("^MnistClassifier: ", ""), e);
        }
    }

    private static void checkValues(String field, double[] values) {
        if (values != null) {
            require(values.length >= 1, field, "[]", "one value or one per entry");
            for (int i = 0; i < values.length; i++) {
                require(values[i] > 0 && Double.isFinite(values[i]), field + "[" + i + "]", values[i],
                        "a positive number");
            }
        }
    }

    private static void require(boolean ok, String field, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(field + " = " + value + ": expected " + expected);
        }
    }

    private MnistClassifier.Kind kindOrNull() {
        for (MnistClassifier.Kind k : MnistClassifier.Kind.values()) {
            if (k.cliName().equals(connectome)) {
                return k;
            }
        }
        return null;
    }

    /** The classifier these settings describe. */
    public MnistClassifier classifier() {
        return MnistClassifier.builder().kind(kindOrNull()).extent(extent).hidden(hidden).learningRate(learningRate)
                .evaluationPoints(evaluationPoints).endTime(endTime).tauMin(tauMin).seed(seed).build();
    }

    /**
     * The connectome layer: the classifier's, with {@code typeTau} and {@code typePairGainInit} when given.
     *
     * @throws IllegalArgumentException naming the spec and the field when a list has the wrong length for the
     *                                  connectome, or the layer refuses the settings (e.g. unstable steps)
     */
    public ConnectomeOdeLayer odeLayer(MnistConnectome model) {
        ConnectomeOdeLayer.Builder b = classifier().odeLayer(model);
        Connectome c = model.connectome();
        int k = c.numTypes();
        if (typeTau != null) {
            require(typeTau.length == 1 || typeTau.length == k, "spec " + id + ": typeTau", typeTau.length
                    + " values", "1 or one per neuron type (" + k + " for " + connectome + ")");
            b.connectome(c.toBuilder().typeTau(everyEntry(typeTau, k)).build());
        }
        if (typePairGainInit != null) {
            require(typePairGainInit.length == 1 || typePairGainInit.length == k * k,
                    "spec " + id + ": typePairGainInit", typePairGainInit.length + " values",
                    "1 or K x K = " + k * k + " (" + k + " types)");
            b.typePairGainInit(everyEntry(typePairGainInit, k * k));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("spec " + id + ": " + e.getMessage(), e);
        }
    }

    private static double[] everyEntry(double[] values, int n) {
        if (values.length == n) {
            return values.clone();
        }
        double[] all = new double[n];
        Arrays.fill(all, values[0]);
        return all;
    }

    /** The whole network's configuration on the given connectome. */
    public MultiLayerConfiguration configuration(MnistConnectome model) {
        return classifier().configuration(odeLayer(model));
    }

    /** The untrained network, initialised from the seed. */
    public MultiLayerNetwork network(MnistConnectome model) {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(model));
        net.init();
        return net;
    }

    /** The training digits in this spec's mini-batches, in file order (the same batches in every epoch). */
    public DataSetIterator trainingData(Mnist mnist) {
        return mnist.iterator(0, trainDigits, batch);
    }

    /** The bundled test split, all {@value Mnist#TEST_SIZE} digits, in mini-batches of this spec's size. */
    public DataSetIterator testData(Mnist mnist) {
        return mnist.iterator(Mnist.TRAIN_SIZE, Mnist.TRAIN_SIZE + Mnist.TEST_SIZE, batch);
    }

    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    public MnistClassifier.Kind kind() {
        return kindOrNull();
    }

    public int epochs() {
        return epochs;
    }

    public int batch() {
        return batch;
    }

    public int trainDigits() {
        return trainDigits;
    }

    /** The initial time constants as given (null: the connectome's own, 1 for every type). */
    public double[] typeTau() {
        return typeTau == null ? null : typeTau.clone();
    }

    /** The initial type-pair gains as given (null: 1 for every pair). */
    public double[] typePairGainInit() {
        return typePairGainInit == null ? null : typePairGainInit.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CheckpointSpec && toJson().equals(((CheckpointSpec) o).toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: %s, %d epochs of %d digits, batch %d", id, classifier(), epochs,
                trainDigits, batch);
    }

    static String requireId(String id) {
        Objects.requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("checkpoint id '" + id + "': expected lower-case letters, digits and "
                    + "single '-'");
        }
        return id;
    }
}
