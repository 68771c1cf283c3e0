package org.dl4jconnectome.zoo;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.dl4jconnectome.datasets.FlyVisConnectome;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Locale;
import java.util.Objects;

/**
 * The connectome MNIST classifier: a {@link ConnectomeOdeLayer} read out at the end of the simulation from chosen
 * neurons ({@link MnistConnectome}), batch normalisation, a dense ReLU layer and a softmax output, trained with Adam.
 * <p>
 * The connectome keeps its synapse counts fixed; what trains is, as in the fly visual-system model, one gain per
 * (postsynaptic type, presynaptic type) pair, the time constant of each type and every neuron's bias (and, for the
 * worm, which has no eyes, the input weights), together with the classifier. The readout activities differ between
 * digits by only about 1–2 % of their level, so batch normalisation standardises them for the classifier.
 * <p>
 * Immutable; {@link #builder()} documents every setting with its default. Used by {@code train-mnist}, the zoo's
 * checkpoints, the hyperparameter search and the Spark sample, so all of them train the same network.
 */
public final class MnistClassifier {
    /** The connectome the classifier runs on. */
    public enum Kind {
        /** The fly optic lobe (flyvis), photoreceptors R1–R8 per hexagonal column, 34 output cell types read. */
        FLYVIS,
        /** C. elegans (Varshney), 86 sensory neurons driven by image patches, 126 motor neurons read. */
        CELEGANS;

        /** The command-line name ("flyvis", "celegans"). */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Kind kind;
    private final int extent;
    private final int hidden;
    private final double learningRate;
    private final int evaluationPoints;
    private final double endTime;
    private final double tauMin;
    private final long seed;

    private MnistClassifier(Builder b) {
        this.kind = b.kind;
        this.extent = b.extent;
        this.hidden = b.hidden;
        this.learningRate = b.learningRate;
        this.evaluationPoints = b.evaluationPoints;
        this.endTime = b.endTime;
        this.tauMin = b.tauMin;
        this.seed = b.seed;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings. */
    public Builder toBuilder() {
        return new Builder().kind(kind).extent(extent).hidden(hidden).learningRate(learningRate)
                .evaluationPoints(evaluationPoints).endTime(endTime).tauMin(tauMin).seed(seed);
    }

    /** Builds the connectome with its input mapping and readout (the fly's takes a second at extent 8). */
    public MnistConnectome connectome() {
        return kind == Kind.FLYVIS ? MnistConnectome.flyVis(FlyVisConnectome.build(extent))
                : MnistConnectome.cElegans();
    }

    /**
     * The connectome layer's builder: the connectome's structure, input projection, gains and bias, the readout at
     * t1, the time span and what trains; finish it with {@code build()} or change it first (the search varies τ and
     * gains through it).
     */
    public ConnectomeOdeLayer.Builder odeLayer(MnistConnectome model) {
        return model.layer()
                .outputNeurons(model.readout())
                .outputSequence(false)
                .timeSpan(0, endTime)
                .evaluationPoints(evaluationPoints)
                .tauMin(tauMin)
                .trainSynapses(false)
                .trainTypePairGains(true)
                .trainTau(true)
                .trainBias(true)
                // The worm has no eyes: how pixels drive its sensory neurons is learned. The fly's eye is fixed.
                .trainInputWeights(kind == Kind.CELEGANS);
    }

    /** The whole network's configuration around the given connectome layer. */
    public MultiLayerConfiguration configuration(ConnectomeOdeLayer ode) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(learningRate))
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(ode)
                .layer(new BatchNormalization.Builder().build())
                .layer(new DenseLayer.Builder().nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(Mnist.CLASSES).build())
                .setInputType(InputType.feedForward(Mnist.PIXELS))
                .build();
    }

    /** The network's configuration with the default connectome layer of {@link #odeLayer}. */
    public MultiLayerConfiguration configuration(MnistConnectome model) {
        return configuration(odeLayer(model).build());
    }

    public Kind kind() {
        return kind;
    }

    public int extent() {
        return extent;
    }

    public int hidden() {
        return hidden;
    }

    public double learningRate() {
        return learningRate;
    }

    public int evaluationPoints() {
        return evaluationPoints;
    }

    public double endTime() {
        return endTime;
    }

    public double tauMin() {
        return tauMin;
    }

    public long seed() {
        return seed;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof MnistClassifier)) {
            return false;
        }
        MnistClassifier c = (MnistClassifier) o;
        return kind == c.kind && extent == c.extent && hidden == c.hidden
                && Double.compare(learningRate, c.learningRate) == 0 && evaluationPoints == c.evaluationPoints
                && Double.compare(endTime, c.endTime) == 0 && Double.compare(tauMin, c.tauMin) == 0
                && seed == c.seed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, extent, hidden, learningRate, evaluationPoints, endTime, tauMin, seed);
    }

    @Override
    public String toString() {
        return "MnistClassifier[" + kind.cliName() + (kind == Kind.FLYVIS ? ", extent " + extent : "") + ", hidden "
                + hidden + ", lr " + learningRate + ", points " + evaluationPoints + ", t1 " + endTime + ", tauMin "
                + tauMin + ", seed " + seed + "]";
    }

    /** Settings of {@link MnistClassifier}, each with its default. */
    public static final class Builder {
        private Kind kind = Kind.FLYVIS;
        private int extent = 8;
        private int hidden = 128;
        private double learningRate = 2e-3;
        private int evaluationPoints = 4;
        private double endTime = 3.0;
        private double tauMin = 0.5;
        private long seed = 42;

        private Builder() {
        }

        /** The connectome. Default: {@link Kind#FLYVIS}. */
        public Builder kind(Kind kind) {
            this.kind = Objects.requireNonNull(kind, "kind");
            return this;
        }

        /**
         * Radius of the fly's hexagonal column lattice (8: 217 columns, 13,741 neurons; 15: the published 45,669
         * neurons). Default: 8.
         */
        public Builder extent(int extent) {
            this.extent = extent;
            return this;
        }

        /** Units of the dense layer after the readout. Default: 128. */
        public Builder hidden(int hidden) {
            this.hidden = hidden;
            return this;
        }

        /** Adam's learning rate. Default: 0.002. */
        public Builder learningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /**
         * Evaluation points over [0, t1], one Dormand–Prince step between consecutive points (the classifier reads
         * the last). Default: 4.
         */
        public Builder evaluationPoints(int points) {
            this.evaluationPoints = points;
            return this;
        }

        /**
         * Simulated time t1, in units of the initial time constant (τ starts at 1): 3 lets signals cross a few
         * synaptic layers (photoreceptors → lamina → medulla → T/Tm cells). Default: 3.
         */
        public Builder endTime(double endTime) {
            this.endTime = endTime;
            return this;
        }

        /** Lower bound of the trained time constants. Default: 0.5. */
        public Builder tauMin(double tauMin) {
            this.tauMin = tauMin;
            return this;
        }

        /** Seed of the network's initialisation (and of DL4J's random numbers). Default: 42. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the setting, its value and what was expected; the connectome
         *                                  layer's own checks (e.g. the stability of the steps) come when it is built
         */
        public MnistClassifier build() {
            check(extent >= 0 && extent <= FlyVisConnectome.MAX_EXTENT, "extent", extent,
                    "a lattice radius 0.." + FlyVisConnectome.MAX_EXTENT);
            check(hidden >= 1, "hidden", hidden, "at least 1");
            check(learningRate > 0 && Double.isFinite(learningRate), "learningRate", learningRate,
                    "a positive number");
            check(evaluationPoints >= 2, "evaluationPoints", evaluationPoints, "at least 2");
            check(endTime > 0 && Double.isFinite(endTime), "endTime", endTime, "a positive time");
            check(tauMin > 0 && tauMin <= 1, "tauMin", tauMin, "in (0, 1] (the initial time constant is 1)");
            return new MnistClassifier(this);
        }

        private static void check(boolean ok, String setting, Object value, String expected) {
            if (!ok) {
                throw new IllegalArgumentException("MnistClassifier: " + setting + " = " + value + ": expected "
                        + expected);
            }
        }
    }
}
