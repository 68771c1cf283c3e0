package org.dl4jconnectome.zoo;

/**
 * The C. elegans connectome (Varshney et al. 2011: 299 neurons, 117 classes as types) trained as an MNIST classifier:
 * 86 sensory neurons each see a patch of the digit through trained input weights, the 126 motor neurons are read at
 * t1, then batch normalisation, a dense ReLU layer and a softmax. See {@link ConnectomeZooModel} for loading and
 * {@link #provenance()} for how it was trained.
 * <pre>{@code MultiLayerNetwork net = new CElegansMnist().initPretrained();}</pre>
 */
public final class CElegansMnist extends ConnectomeZooModel {
    /** The checkpoint's id. */
    public static final String ID = "celegans-mnist";

    public CElegansMnist() {
        super(ID);
    }
}
