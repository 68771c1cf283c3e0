package org.dl4jconnectome.zoo;

/**
 * The fly optic lobe (flyvis connectome, lattice extent 8: 13,741 neurons, 65 cell types) trained as an MNIST
 * classifier: the photoreceptors of each hexagonal column see the digit, the 34 output cell types are read at t1,
 * then batch normalisation, a dense ReLU layer and a softmax. See {@link ConnectomeZooModel} for loading and
 * {@link #provenance()} for how it was trained.
 * <pre>{@code MultiLayerNetwork net = new FlyVisMnist().initPretrained();}</pre>
 */
public final class FlyVisMnist extends ConnectomeZooModel {
    /** The checkpoint's id. */
    public static final String ID = "flyvis-mnist";

    public FlyVisMnist() {
        super(ID);
    }
}
