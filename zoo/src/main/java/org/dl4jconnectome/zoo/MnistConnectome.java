package org.dl4jconnectome.zoo;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.datasets.CElegansConnectome;
import org.dl4jconnectome.datasets.FlyVisNetwork;
import org.dl4jconnectome.datasets.SyntheticConnectome;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * A connectome prepared for MNIST: the 784 pixels' input projection, the neurons a classifier reads, and initial
 * parameters that keep the dynamics in a useful range.
 * <ul>
 * <li><b>flyvis</b>: every pixel drives the photoreceptors R1–R8 of its hexagonal column ({@link FlyVisRetina});
 * the readout is the 34 output cell types (T1–T5, Tm, TmY). Synapse counts are {@link #normalised} per
 * postsynaptic type, so that a cell's inputs sum to about one instead of to its raw synapse count (median 92), which
 * with ReLU cells would blow up within one time constant. On top, each (postsynaptic type, presynaptic type) pair has
 * a gain, starting at 1, as flyvis trains one strength per edge type. Bias {@link #FLYVIS_BIAS}, flyvis's resting
 * potential, so that inhibition can act on a ReLU cell from the start.</li>
 * <li><b>celegans</b>: the image is tiled into as many compact patches as there are sensory neurons (86, about 3×3
 * pixels each), and each sensory neuron receives the mean of its patch; the readout is the 126 motor neurons.
 * Synapses and gains as for the fly.</li>
 * <li><b>synthetic</b>: bioplnn's tutorial network, each pixel onto one random neuron with weight 1; all neurons are
 * read.</li>
 * </ul>
 */
public final class MnistConnectome {
    /** Sum of a neuron's |input weights| after {@link #normalised}, averaged over its type. */
    public static final double INPUT_GAIN = 1.0;
    /** Initial bias of every fly neuron. */
    public static final double FLYVIS_BIAS = 0.5;

    /** Side of the block {@link #block()} draws where the neuron order is meaningful. */
    public static final int BLOCK_SIZE = 100;

    private final Connectome connectome;
    private final InputProjection input;
    private final String inputDescription;
    private final int[] readout;
    private final String readoutDescription;
    private final boolean typePairGains;
    private final double[] bias;
    private final IntFunction<String> neuronName;
    private final Block block;

    /** A square block of the connectome worth drawing: its neurons, their tick labels (null: indices), a title. */
    public record Block(int[] neurons, String[] labels, String title) {
    }

    private MnistConnectome(Connectome connectome, InputProjection input, String inputDescription, int[] readout,
                       String readoutDescription, boolean typePairGains, double[] bias,
                       IntFunction<String> neuronName, Block block) {
        this.connectome = connectome;
        this.input = input;
        this.inputDescription = inputDescription;
        this.readout = readout;
        this.readoutDescription = readoutDescription;
        this.typePairGains = typePairGains;
        this.bias = bias;
        this.neuronName = neuronName;
        this.block = block;
    }

    /** The fly optic lobe at the given lattice extent. */
    public static MnistConnectome flyVis(FlyVisNetwork network) {
        Connectome c = normalised(network.connectome());
        InputProjection input = FlyVisRetina.of(network, Mnist.SIDE).projection(network.inputTypeNames());
        double[] bias = new double[c.numNeurons()];
        Arrays.fill(bias, FLYVIS_BIAS);
        // Neurons are ordered by type, so the first 100 are all R1 (no synapses among them): draw one column instead.
        List<String> types = network.typeNames();
        int[] central = new int[types.size()];
        for (int t = 0; t < central.length; t++) {
            central[t] = network.neuronAt(types.get(t), 0, 0);
        }
        int[] u = network.neuronU();
        int[] v = network.neuronV();
        return new MnistConnectome(c, input,
                "each pixel -> R1-R8 of its hexagonal column (" + network.numColumns() + " columns)",
                network.outputNeurons(), "the 34 output cell types (T1-T5, Tm, TmY)",
                true, bias, i -> c.typeName(c.types().typeOf(i)) + " (" + u[i] + "," + v[i] + ")",
                new Block(central, types.toArray(new String[0]),
                        "|weight| within the central column (0, 0), one neuron per cell type"));
    }

    /** The C. elegans hermaphrodite. */
    public static MnistConnectome cElegans() {
        CElegansConnectome worm = CElegansConnectome.load();
        Connectome c = normalised(worm.connectome());
        int[] sensory = worm.sensoryNeurons();
        int[] patch = patches(Mnist.SIDE, sensory.length);
        int[] count = new int[sensory.length];
        for (int p : patch) {
            count[p]++;
        }
        int[] rows = new int[patch.length];
        int[] cols = new int[patch.length];
        double[] values = new double[patch.length];
        for (int k = 0; k < patch.length; k++) {
            rows[k] = sensory[patch[k]];
            cols[k] = k;
            values[k] = 1.0 / count[patch[k]];
        }
        InputProjection input = InputProjection.of(CsrMatrix.fromCoo(c.numNeurons(), patch.length, rows, cols,
                values));
        return new MnistConnectome(c, input,
                "each pixel -> one of the " + sensory.length + " sensory neurons (a patch of ~3x3 pixels each)",
                worm.motorNeurons(), "the " + worm.motorNeurons().length + " motor neurons",
                true, null, worm::neuronName, firstBlock(c));
    }

    /** bioplnn's tutorial network: pixel k onto a random neuron (distinct for every pixel). */
    public static MnistConnectome synthetic(long seed) {
        Connectome c = SyntheticConnectome.tutorialScale(seed);
        int n = c.numNeurons();
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < Mnist.PIXELS; i++) {
            int j = i + rnd.nextInt(n - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        InputProjection input = InputProjection.identity(Arrays.copyOf(perm, Mnist.PIXELS), n);
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        return new MnistConnectome(c, input, "each pixel -> one random neuron (weight 1)", all, "all neurons", false,
                null, i -> c.typeName(c.types().typeOf(i)) + " #" + i, firstBlock(c));
    }

    private static Block firstBlock(Connectome c) {
        int[] first = new int[Math.min(BLOCK_SIZE, c.numNeurons())];
        Arrays.setAll(first, i -> i);
        return new Block(first, null, "|weight|, first " + first.length + "x" + first.length + " block");
    }

    /**
     * Pixel k of a side×side image → one of {@code count} compact patches: the rows are split into ⌊√count⌋ bands,
     * each band into as many patches as keep the total at {@code count}.
     */
    static int[] patches(int side, int count) {
        int bands = Math.max(1, (int) Math.sqrt(count));
        int[] patch = new int[side * side];
        for (int row = 0; row < side; row++) {
            int band = row * bands / side;
            int first = (int) ((long) band * count / bands);
            int inBand = (int) ((long) (band + 1) * count / bands) - first;
            for (int col = 0; col < side; col++) {
                patch[row * side + col] = first + col * inBand / side;
            }
        }
        return patch;
    }

    /**
     * The connectome with every synapse onto a cell of type T scaled by {@link #INPUT_GAIN} / (mean summed |synapse|
     * onto a cell of type T), so that a typical cell's inputs sum to {@link #INPUT_GAIN}; types that receive no
     * synapses keep theirs. Signs, structure and neuron order are unchanged.
     */
    public static Connectome normalised(Connectome c) {
        int k = c.numTypes();
        double[] inSum = new double[k];
        CsrMatrix w = c.synapses();
        int[] rowPtr = w.rowPointers();
        double[] v = w.values();
        for (int i = 0; i < c.numNeurons(); i++) {
            for (int s = rowPtr[i]; s < rowPtr[i + 1]; s++) {
                inSum[c.types().typeOf(i)] += v[s];
            }
        }
        double[] scale = new double[k];
        for (int t = 0; t < k; t++) {
            double mean = inSum[t] / c.types().count(t);
            scale[t] = mean > 0 ? INPUT_GAIN / mean : 1.0;
        }
        for (int i = 0; i < c.numNeurons(); i++) {
            for (int s = rowPtr[i]; s < rowPtr[i + 1]; s++) {
                v[s] *= scale[c.types().typeOf(i)];
            }
        }
        return c.withSynapseMagnitudes(v);
    }

    /** A readable name of neuron i: its cell type and column, its anatomical name, or its type and index. */
    public String neuronName(int i) {
        return neuronName.apply(i);
    }

    /** The block of the connectome the tutorial draws. */
    public Block block() {
        return block;
    }

    public Connectome connectome() {
        return connectome;
    }

    public InputProjection input() {
        return input;
    }

    public String inputDescription() {
        return inputDescription;
    }

    /** The neurons a classifier reads. */
    public int[] readout() {
        return readout.clone();
    }

    public String readoutDescription() {
        return readoutDescription;
    }

    /**
     * A layer builder with this model's connectome, input projection, type-pair gains and bias; time span, evaluation
     * points, output neurons and what is trained are left to the caller.
     */
    public ConnectomeOdeLayer.Builder layer() {
        ConnectomeOdeLayer.Builder b = new ConnectomeOdeLayer.Builder().connectome(connectome).inputProjection(input);
        b.typePairGains(typePairGains);
        if (bias != null) {
            b.initialBias(bias);
        }
        return b;
    }
}
