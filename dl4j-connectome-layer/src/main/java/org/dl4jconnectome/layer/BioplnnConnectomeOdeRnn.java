package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.conf.RNNFormat;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.NegativeWeightPolicy;
import org.dl4jconnectome.connectome.NeuronTypes;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.ode.SolverSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds a {@link ConnectomeOdeLayer} from the arguments of bioplnn's {@code ConnectomeODERNN}, by their meaning, as
 * in the neuron-type tutorial:
 * <pre>{@code
 * ConnectomeOdeLayer layer = BioplnnConnectomeOdeRnn.builder()
 *     .inputSize(784).hiddenSize(47521)
 *     .connectivityHh(connectome)            // N×N, rows = receiving neuron (y = A·v)
 *     .connectivityIh(inputProjection)       // N×I
 *     .outputNeurons(null)                   // all neurons
 *     .numNeuronTypes(2)
 *     .neuronTypeClass("excitatory", "inhibitory")
 *     .neuronTypeIndices(type1Indices, type2Indices)
 *     .neuronTypeNonlinearity("Sigmoid")
 *     .neuronTypeTauInit(1.25, 2.0)
 *     .trainTau(true)
 *     .build();
 * }</pre>
 * The model's forward arguments ({@code start_time}, {@code end_time}, {@code num_steps}) are settings here.
 * <p>
 * Differences from the reference, on purpose: signs are real ±1 per neuron type (the tutorial-era code made every
 * neuron excitatory; {@link Builder#legacyAllExcitatory(boolean)} reproduces that), negative connectome values are an
 * error unless a {@link NegativeWeightPolicy} is chosen (the reference clamps them silently), and training takes a
 * fixed number of steps per output interval (the reference adapts it; {@link Builder#adaptiveInference} does so for
 * inference).
 */
public final class BioplnnConnectomeOdeRnn {
    private BioplnnConnectomeOdeRnn() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The tutorial's arguments; every setter names the bioplnn argument it stands for. */
    public static final class Builder {
        private Integer inputSize;
        private Integer hiddenSize;
        private CsrMatrix connectivityHh;
        private CsrMatrix connectivityIh;
        private int[] outputNeurons;
        private Integer numNeuronTypes;
        private List<String> neuronTypeClass;
        private List<int[]> neuronTypeIndices;
        private List<String> neuronTypeNonlinearity;
        private double[] neuronTypeTauInit;
        private boolean trainTau = true;
        private boolean legacyAllExcitatory;
        private NegativeWeightPolicy negativeWeights = NegativeWeightPolicy.REJECT;
        private double startTime = 0.0;
        private double endTime = 1.0;
        private int numSteps = 20;
        private SolverSpec solver = SolverSpec.fixed();
        private SolverSpec inferenceSolver;
        private double tauMin = 1.0;
        private boolean outputSequence = true;
        private RNNFormat dataFormat;
        private boolean trainSynapses = true;
        private boolean trainBias = true;
        private boolean trainInputWeights = true;

        private Builder() {
        }

        /** {@code input_size}: I. Required. */
        public Builder inputSize(int inputSize) {
            this.inputSize = inputSize;
            return this;
        }

        /** {@code hidden_size}: N. Required. */
        public Builder hiddenSize(int hiddenSize) {
            this.hiddenSize = hiddenSize;
            return this;
        }

        /** {@code connectivity_hh}: the N×N connectome, rows = receiving neuron. Required. */
        public Builder connectivityHh(CsrMatrix connectivityHh) {
            this.connectivityHh = connectivityHh;
            return this;
        }

        /** {@code connectivity_ih}: the N×I input projection. Required. */
        public Builder connectivityIh(CsrMatrix connectivityIh) {
            this.connectivityIh = connectivityIh;
            return this;
        }

        /** {@code output_neurons}: indices of the neurons to output, or null for all (the default). */
        public Builder outputNeurons(int[] outputNeurons) {
            this.outputNeurons = outputNeurons == null ? null : outputNeurons.clone();
            return this;
        }

        /** {@code num_neuron_types}: K. Default: the number of index lists, or 1 without them. */
        public Builder numNeuronTypes(int numNeuronTypes) {
            this.numNeuronTypes = numNeuronTypes;
            return this;
        }

        /** {@code neuron_type_class}: "excitatory" / "inhibitory" per type. Default: all excitatory. */
        public Builder neuronTypeClass(String... classes) {
            this.neuronTypeClass = classes == null ? null : Arrays.asList(classes.clone());
            return this;
        }

        /** {@code neuron_type_indices}: one index list per type, covering every neuron once. Default: one type. */
        public Builder neuronTypeIndices(int[]... indices) {
            if (indices == null) {
                this.neuronTypeIndices = null;
            } else {
                this.neuronTypeIndices = new ArrayList<>();
                for (int[] idx : indices) {
                    this.neuronTypeIndices.add(idx == null ? null : idx.clone());
                }
            }
            return this;
        }

        /** {@code neuron_type_indices} as a list. */
        public Builder neuronTypeIndices(List<int[]> indices) {
            return neuronTypeIndices(indices == null ? null : indices.toArray(new int[0][]));
        }

        /**
         * {@code neuron_type_nonlinearity}: one name for all types or one per type (PyTorch names such as "Sigmoid",
         * "Tanh", "ReLU", "Softplus", "Identity"). Default: "Sigmoid".
         */
        public Builder neuronTypeNonlinearity(String... names) {
            this.neuronTypeNonlinearity = names == null ? null : Arrays.asList(names.clone());
            return this;
        }

        /** {@code neuron_type_tau_init}: τ per type, each ≥ 1. Default: 1.0 for every type. */
        public Builder neuronTypeTauInit(double... tau) {
            this.neuronTypeTauInit = tau == null ? null : tau.clone();
            return this;
        }

        /** {@code train_tau}. Default: true. */
        public Builder trainTau(boolean trainTau) {
            this.trainTau = trainTau;
            return this;
        }

        /** Reproduce the tutorial-era behaviour where every neuron acts as excitatory. Default: false. */
        public Builder legacyAllExcitatory(boolean legacy) {
            this.legacyAllExcitatory = legacy;
            return this;
        }

        /** How to treat negative values of {@code connectivity_hh}. Default: {@link NegativeWeightPolicy#REJECT}. */
        public Builder negativeWeights(NegativeWeightPolicy policy) {
            this.negativeWeights = policy;
            return this;
        }

        /** The forward call's {@code start_time} and {@code end_time}. Default: 0 and 1. */
        public Builder timeSpan(double startTime, double endTime) {
            this.startTime = startTime;
            this.endTime = endTime;
            return this;
        }

        /** The forward call's {@code num_steps} (evaluation points). Default: 20. */
        public Builder numSteps(int numSteps) {
            this.numSteps = numSteps;
            return this;
        }

        /** Fixed Runge–Kutta steps per output interval (shorthand for a fixed {@link #solver}). Default: 1. */
        public Builder stepsPerInterval(int stepsPerInterval) {
            this.solver = solver.withStepsPerInterval(stepsPerInterval);
            return this;
        }

        /** The fixed-step solver of training; see {@link ConnectomeOdeLayer.Builder#solver}. Default: Dopri5, 1 step. */
        public Builder solver(SolverSpec fixedSteps) {
            this.solver = fixedSteps;
            return this;
        }

        /**
         * Inference with an adaptive solver, as bioplnn's forward pass does (torchode, atol 1e-6, rtol 1e-3); training
         * keeps the fixed steps. Default: off.
         */
        public Builder adaptiveInference(double atol, double rtol) {
            this.inferenceSolver = SolverSpec.adaptive(atol, rtol);
            return this;
        }

        /** The adaptive solver of inference; see {@link ConnectomeOdeLayer.Builder#inferenceSolver}. Default: none. */
        public Builder inferenceSolver(SolverSpec adaptive) {
            this.inferenceSolver = adaptive;
            return this;
        }

        /** Lower bound of τ (bioplnn clamps τ to at least 1). Default: 1.0. */
        public Builder tauMin(double tauMin) {
            this.tauMin = tauMin;
            return this;
        }

        /** Output every evaluation point (true) or only the final state (false). Default: true. */
        public Builder outputSequence(boolean outputSequence) {
            this.outputSequence = outputSequence;
            return this;
        }

        /**
         * Layout of sequences: bioplnn's {@code batch_first=True} is NWC ([B, T, size]); NCW is DL4J's [B, size, T].
         * Default: the network's input type, else NCW.
         */
        public Builder dataFormat(RNNFormat format) {
            this.dataFormat = format;
            return this;
        }

        /** Whether the synapse magnitudes are trained (bioplnn trains them). Default: true. */
        public Builder trainSynapses(boolean train) {
            this.trainSynapses = train;
            return this;
        }

        /** Whether the bias is trained. Default: true. */
        public Builder trainBias(boolean train) {
            this.trainBias = train;
            return this;
        }

        /** Whether the input projection's values are trained. Default: true. */
        public Builder trainInputWeights(boolean train) {
            this.trainInputWeights = train;
            return this;
        }

        /**
         * Checks the arguments against each other as bioplnn does and builds the layer.
         *
         * @throws IllegalArgumentException naming the bioplnn argument that is wrong
         */
        public ConnectomeOdeLayer build() {
            if (inputSize == null || hiddenSize == null || connectivityHh == null || connectivityIh == null) {
                throw new IllegalArgumentException("input_size, hidden_size, connectivity_hh and connectivity_ih "
                        + "are required");
            }
            if (connectivityHh.rows() != hiddenSize || connectivityHh.cols() != hiddenSize) {
                throw new IllegalArgumentException("connectivity_hh has shape " + connectivityHh.rows() + "x"
                        + connectivityHh.cols() + ", expected hidden_size x hidden_size = " + hiddenSize + "x"
                        + hiddenSize);
            }
            if (connectivityIh.rows() != hiddenSize || connectivityIh.cols() != inputSize) {
                throw new IllegalArgumentException("connectivity_ih has shape " + connectivityIh.rows() + "x"
                        + connectivityIh.cols() + ", expected hidden_size x input_size = " + hiddenSize + "x"
                        + inputSize);
            }
            int k = numNeuronTypes != null ? numNeuronTypes
                    : neuronTypeIndices != null ? neuronTypeIndices.size() : 1;
            if (k < 1) {
                throw new IllegalArgumentException("num_neuron_types = " + k + ": expected at least 1");
            }
            checkCount("neuron_type_class", neuronTypeClass == null ? -1 : neuronTypeClass.size(), k);
            checkCount("neuron_type_indices", neuronTypeIndices == null ? -1 : neuronTypeIndices.size(), k);
            checkCount("neuron_type_tau_init", neuronTypeTauInit == null ? -1 : neuronTypeTauInit.length, k);
            NeuronTypes types;
            if (neuronTypeIndices != null) {
                types = NeuronTypes.fromIndexLists(hiddenSize, neuronTypeIndices);
            } else if (k == 1) {
                types = NeuronTypes.single(hiddenSize);
            } else {
                throw new IllegalArgumentException("num_neuron_types = " + k
                        + " needs neuron_type_indices to say which neurons have which type");
            }
            Nonlinearity[] phi = {Nonlinearity.SIGMOID};
            if (neuronTypeNonlinearity != null) {
                if (neuronTypeNonlinearity.size() != 1) {
                    checkCount("neuron_type_nonlinearity", neuronTypeNonlinearity.size(), k);
                }
                phi = new Nonlinearity[neuronTypeNonlinearity.size()];
                for (int t = 0; t < phi.length; t++) {
                    phi[t] = Nonlinearity.parse(neuronTypeNonlinearity.get(t));
                }
            }
            Connectome connectome = Connectome.builder().synapses(connectivityHh).negativeWeights(negativeWeights)
                    .neuronTypes(types).typeClasses(neuronTypeClass).typeTau(neuronTypeTauInit)
                    .typeNonlinearity(phi).build();
            return new ConnectomeOdeLayer.Builder().connectome(connectome)
                    .inputProjection(InputProjection.of(connectivityIh)).outputNeurons(outputNeurons)
                    .trainTau(trainTau).allExcitatory(legacyAllExcitatory).timeSpan(startTime, endTime)
                    .evaluationPoints(numSteps).solver(solver).inferenceSolver(inferenceSolver).tauMin(tauMin)
                    .outputSequence(outputSequence).dataFormat(dataFormat).trainSynapses(trainSynapses)
                    .trainBias(trainBias).trainInputWeights(trainInputWeights).build();
        }

        private static void checkCount(String argument, int count, int k) {
            if (count >= 0 && count != k) {
                throw new IllegalArgumentException(argument + " has " + count + " entries, expected "
                        + "num_neuron_types = " + k);
            }
        }
    }
}
