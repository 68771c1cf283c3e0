package org.dl4jconnectome.model;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;

import java.util.Objects;

/**
 * The fixed part of a connectome ODE-RNN, prepared once and shared by every solve on it (thread-safe, read-only):
 * the connectome and input projection, the kernels' structures ({@link ConnectomeOperator}) for one precision, and the
 * map from trainable synapse parameters to effective weights ({@link EffectiveWeights}). A DL4J layer and the
 * simulator both run their solves through a {@link ConnectomeIntegrator} on one of these.
 */
public final class ConnectomeModel {
    private final Connectome connectome;
    private final InputProjection inputProjection;
    private final ConnectomeOperator operator;
    private final EffectiveWeights effectiveWeights;

    private ConnectomeModel(Connectome connectome, InputProjection inputProjection, boolean allExcitatory,
                            boolean typePairGains, boolean singlePrecision) {
        this.connectome = Objects.requireNonNull(connectome, "connectome");
        this.inputProjection = Objects.requireNonNull(inputProjection, "inputProjection");
        if (inputProjection.numNeurons() != connectome.numNeurons()) {
            throw new IllegalArgumentException("the input projection has " + inputProjection.numNeurons()
                    + " rows, expected one per neuron (" + connectome.numNeurons() + ")");
        }
        Nonlinearity[] phi = new Nonlinearity[connectome.numTypes()];
        for (int t = 0; t < phi.length; t++) {
            phi[t] = connectome.typeNonlinearity(t);
        }
        this.operator = new ConnectomeOperator(connectome.synapses(), inputProjection.matrix(),
                connectome.types().typeIds(), phi, singlePrecision);
        this.effectiveWeights = new EffectiveWeights(connectome, allExcitatory, typePairGains);
    }

    /**
     * @param allExcitatory   ignore signs (bioplnn's tutorial-era behaviour)
     * @param typePairGains   multiply each synapse by its (post type, pre type) gain
     * @param singlePrecision states, products and tape in float32
     */
    public static ConnectomeModel of(Connectome connectome, InputProjection inputProjection, boolean allExcitatory,
                                     boolean typePairGains, boolean singlePrecision) {
        return new ConnectomeModel(connectome, inputProjection, allExcitatory, typePairGains, singlePrecision);
    }

    public Connectome connectome() {
        return connectome;
    }

    public InputProjection inputProjection() {
        return inputProjection;
    }

    public ConnectomeOperator operator() {
        return operator;
    }

    public EffectiveWeights effectiveWeights() {
        return effectiveWeights;
    }

    public boolean singlePrecision() {
        return operator.singlePrecision();
    }

    public int numNeurons() {
        return connectome.numNeurons();
    }

    public int numInputs() {
        return inputProjection.numInputs();
    }
}
