package org.dl4jconnectome.zoo;

import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.common.resources.ResourceType;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.ZooType;
import org.nd4j.shade.jackson.core.type.TypeReference;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A pretrained connectome network of the zoo, as a DL4J {@link ZooModel}: {@link #init()} builds the untrained network
 * from the checkpoint's {@link CheckpointSpec}, {@link #initPretrained()} loads the trained checkpoint.
 * <pre>{@code
 * MultiLayerNetwork net = new FlyVisMnist().initPretrained();     // offline: the checkpoint ships in the zoo jar
 * INDArray p = net.output(Mnist.bundled().features(8000, 8008));   // [8, 10] class probabilities
 * }</pre>
 * <p>
 * <b>Where the checkpoint comes from</b>, in this order:
 * <ol>
 * <li>the classpath (the zoo jar): restored from the resource stream, never copied anywhere;</li>
 * <li>DL4J's cache directory, {@code ${org.deeplearning4j.resources.directory or ~/.deeplearning4j}/models/ID/FILE}
 * ({@link DL4JResources#getDirectory}), as DL4J's own zoo uses;</li>
 * <li>a base URL ({@link #setBaseUrl}, else the system property {@value #BASE_URL_PROPERTY}; no default):
 * {@code BASE/FILE} is downloaded into the cache directory.</li>
 * </ol>
 * Whatever the source, the file's size, SHA-256 and Adler-32 (DL4J's zoo checksum) must match the checkpoint's
 * {@link CheckpointProvenance} before DL4J reads it. A cached or downloaded file that does not match is deleted and
 * the load fails with an {@link IOException} naming the checkpoint, the file and what was wrong; the next call
 * downloads it again. The checkpoint is a DL4J model zip without updater state: {@code fit} continues from the
 * trained parameters with a fresh updater.
 * <p>
 * The checkpoints are trained on MNIST: {@link PretrainedType#MNIST} is the only pretrained type, and the no-argument
 * {@link #initPretrained()} means it (DL4J's means IMAGENET). {@link #ids()} lists the zoo; {@link FlyVisMnist} and
 * {@link CElegansMnist} name its two models.
 */
public class ConnectomeZooModel extends ZooModel<MultiLayerNetwork> {
    /** The system property holding the base URL checkpoints are downloaded from when not found locally. */
    public static final String BASE_URL_PROPERTY = "dl4jconnectome.zoo.baseurl";
    /** The zoo's index: a JSON list of the checkpoint ids. */
    static final String INDEX = "checkpoints.json";

    private final String id;
    private final CheckpointResources resources;
    private volatile String baseUrl;

    /**
     * The zoo model of checkpoint {@code id}.
     *
     * @throws IllegalArgumentException if the zoo has no such checkpoint (the message lists those it has)
     */
    protected ConnectomeZooModel(String id) {
        this(id, CheckpointResources.CLASSPATH);
    }

    ConnectomeZooModel(String id, CheckpointResources resources) {
        this.resources = Objects.requireNonNull(resources, "resources");
        List<String> ids = ids(resources);
        if (!ids.contains(id)) {
            throw new IllegalArgumentException("no checkpoint '" + id + "' in the zoo; it has: "
                    + String.join(", ", ids));
        }
        this.id = id;
    }

    /**
     * The zoo model of checkpoint {@code id} (one of {@link #ids()}).
     *
     * @throws IllegalArgumentException if the zoo has no such checkpoint (the message lists those it has)
     */
    public static ConnectomeZooModel of(String id) {
        switch (id) {
            case FlyVisMnist.ID:
                return new FlyVisMnist();
            case CElegansMnist.ID:
                return new CElegansMnist();
            default:
                return new ConnectomeZooModel(id);
        }
    }

    /** The ids of the zoo's checkpoints, in the index's order. */
    public static List<String> ids() {
        return ids(CheckpointResources.CLASSPATH);
    }

    static List<String> ids(CheckpointResources resources) {
        try (InputStream in = resources.open(INDEX)) {
            if (in == null) {
                throw new IllegalStateException("the zoo's index " + INDEX + " is missing (the zoo jar is "
                        + "incomplete)");
            }
            List<String> ids = CheckpointSpec.JSON.readValue(in, new TypeReference<List<String>>() { });
            ids.forEach(CheckpointSpec::requireId);
            return List.copyOf(ids);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the zoo's index " + INDEX + ": " + e.getMessage(), e);
        }
    }

    /** The checkpoint's id, also its {@link #modelName()} and the name of its cache folder. */
    public String id() {
        return id;
    }

    /**
     * The settings the checkpoint is trained from ({@code ID.spec.json} beside it).
     *
     * @throws IOException if the spec is missing or invalid
     */
    public CheckpointSpec spec() throws IOException {
        String name = id + ".spec.json";
        try (InputStream in = open(name)) {
            CheckpointSpec spec = CheckpointSpec.read(in, describe(name));
            if (!spec.id().equals(id)) {
                throw new IOException(describe(name) + ": id " + spec.id() + ", expected " + id);
            }
            return spec;
        }
    }

    /**
     * The checkpoint's provenance ({@code ID.provenance.json} beside it), read without loading the network.
     *
     * @throws IOException if it is missing or not a provenance
     */
    public CheckpointProvenance provenance() throws IOException {
        String name = id + ".provenance.json";
        try (InputStream in = open(name)) {
            CheckpointProvenance p = CheckpointProvenance.read(in, describe(name));
            if (!p.id().equals(id)) {
                throw new IOException(describe(name) + ": id " + p.id() + ", expected " + id);
            }
            return p;
        }
    }

    private InputStream open(String name) throws IOException {
        InputStream in = resources.open(name);
        if (in == null) {
            throw new IOException("checkpoint " + id + ": " + name + " is missing from the zoo's files "
                    + "(the zoo jar is incomplete)");
        }
        return in;
    }

    private String describe(String name) {
        URL url = resources.url(name);
        return url != null ? url.toString() : name;
    }

    /**
     * The untrained network of the checkpoint's spec, initialised from its seed (builds the connectome first; the
     * fly's takes about a second).
     *
     * @throws IllegalStateException if the spec cannot be read (an incomplete zoo jar)
     */
    @Override
    @SuppressWarnings("unchecked")
    public MultiLayerNetwork init() {
        CheckpointSpec spec;
        try {
            spec = spec();
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return spec.network(spec.classifier().connectome());
    }

    /** The trained checkpoint: {@link #initPretrained(PretrainedType) initPretrained(PretrainedType.MNIST)}. */
    @Override
    public MultiLayerNetwork initPretrained() throws IOException {
        return initPretrained(PretrainedType.MNIST);
    }

    /**
     * The trained checkpoint, from the classpath, the cache or the base URL (see the class comment), verified first.
     *
     * @throws UnsupportedOperationException for any type but {@link PretrainedType#MNIST}
     * @throws IOException naming the checkpoint and the file when it cannot be found, read, verified or restored
     */
    @Override
    @SuppressWarnings("unchecked")
    public <M extends Model> M initPretrained(PretrainedType type) throws IOException {
        if (!pretrainedAvailable(type)) {
            throw new UnsupportedOperationException(id + ": no " + type + " checkpoint; the zoo's checkpoints are "
                    + "trained on MNIST: initPretrained() or initPretrained(PretrainedType.MNIST)");
        }
        return (M) new CheckpointLoader(id, provenance().checkpoint(), resources, this::cacheDirectory, baseUrl())
                .load();
    }

    /** True for {@link PretrainedType#MNIST} only. */
    @Override
    public boolean pretrainedAvailable(PretrainedType type) {
        return type == PretrainedType.MNIST;
    }

    /**
     * Where {@link #initPretrained()} would read the checkpoint now: its classpath URL, else the cached file, else
     * the download URL; null for other types than MNIST, or when none of these is available.
     */
    @Override
    public String pretrainedUrl(PretrainedType type) {
        if (!pretrainedAvailable(type)) {
            return null;
        }
        String file = artifact().file();
        URL onClasspath = resources.url(file);
        if (onClasspath != null) {
            return onClasspath.toString();
        }
        Path cached = cacheDirectory().resolve(file);
        if (cached.toFile().isFile()) {
            return cached.toUri().toString();
        }
        String base = baseUrl();
        return base == null ? null : CheckpointLoader.join(base, file);
    }

    /** The checkpoint's Adler-32 (DL4J's zoo checksum) for MNIST, 0 (none) for other types. */
    @Override
    public long pretrainedChecksum(PretrainedType type) {
        return pretrainedAvailable(type) ? artifact().adler32() : 0L;
    }

    private CheckpointProvenance.Artifact artifact() {
        try {
            return provenance().checkpoint();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** The checkpoint's id: names its folder in DL4J's cache directory, as for DL4J's own zoo models. */
    @Override
    public String modelName() {
        return id;
    }

    /** DL4J's cache folder of this checkpoint (created when absent, as DL4J does). */
    Path cacheDirectory() {
        return DL4JResources.getDirectory(ResourceType.ZOO_MODEL, modelName()).toPath();
    }

    /** One input of 784 pixels, 10 outputs; a recurrent network (the connectome ODE-RNN) at its core. */
    @Override
    public ModelMetaData metaData() {
        return new ModelMetaData(new int[][] {{Mnist.PIXELS}}, 1, ZooType.RNN);
    }

    /**
     * The input is fixed by the checkpoint: 784 pixels.
     *
     * @throws IllegalArgumentException for any other shape
     */
    @Override
    public void setInputShape(int[][] inputShape) {
        if (inputShape == null || inputShape.length != 1 || !Arrays.equals(inputShape[0], new int[] {Mnist.PIXELS})) {
            throw new IllegalArgumentException(id + ": input shape " + Arrays.deepToString(inputShape)
                    + ": expected [[" + Mnist.PIXELS + "]] (the checkpoint is trained on 28x28 MNIST digits)");
        }
    }

    @Override
    public Class<? extends Model> modelType() {
        return MultiLayerNetwork.class;
    }

    /**
     * The base URL to download the checkpoint from when it is neither on the classpath nor cached; null: the system
     * property {@value #BASE_URL_PROPERTY} (no download when that is unset too). Any {@link URL} DL4J's zoo
     * accepts works: {@code https:}, {@code file:}, {@code jar:}.
     */
    public void setBaseUrl(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** The base URL in effect: {@link #setBaseUrl}'s, else the system property's, else null. */
    public String baseUrl() {
        String b = baseUrl;
        return b != null ? b : System.getProperty(BASE_URL_PROPERTY);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + id + "]";
    }
}
