package org.dl4jconnectome.arbiter;

import org.deeplearning4j.arbiter.layers.LayerSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Objects;

/**
 * A layer space without hyperparameters: every candidate gets a copy of one given layer, for the layers of a network
 * that the search leaves as they are.
 * <p>
 * Arbiter 1.0.0-beta7's own {@code FixedLayerSpace} does the same but does not survive its JSON: its layer field has a
 * generic type, so the layer comes back as a map and reading the space fails ("argument type mismatch"), which also
 * breaks the configuration pages of Arbiter's UI. Here the field is a {@link Layer}, whose JSON names its class.
 */
public class ConstantLayerSpace extends LayerSpace<Layer> {
    @JsonProperty
    private Layer layer;

    /** For Jackson (JSON and YAML). */
    protected ConstantLayerSpace() {
    }

    /** A space that yields copies of {@code layer}. */
    public ConstantLayerSpace(Layer layer) {
        this.layer = Objects.requireNonNull(layer, "layer").clone();
    }

    /** A copy of the layer. */
    @Override
    public Layer getValue(double[] parameterValues) {
        return layer.clone();
    }

    @Override
    public int numParameters() {
        return 0;
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        return List.of();
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConstantLayerSpace && layer.equals(((ConstantLayerSpace) o).layer);
    }

    @Override
    public int hashCode() {
        return layer.hashCode();
    }

    @Override
    public String toString() {
        return "ConstantLayerSpace(" + layer.getClass().getSimpleName() + ")";
    }
}
