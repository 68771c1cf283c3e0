package org.dl4jconnectome.samples;

import org.deeplearning4j.arbiter.MultiLayerSpace;
import org.deeplearning4j.arbiter.conf.updater.AdamSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.dl4jconnectome.arbiter.ConnectomeOdeLayerSpace;
import org.dl4jconnectome.arbiter.ConstantLayerSpace;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.zoo.Mnist;
import org.dl4jconnectome.zoo.MnistClassifier;
import org.dl4jconnectome.zoo.MnistConnectome;
import org.nd4j.linalg.learning.config.Adam;

import java.util.List;

/**
 * The search around one {@link MnistClassifier}: its connectome layer is the template of the searched layer space,
 * its other layers are taken as they are, and its one Adam updater gets the searched learning rate. A candidate's
 * network is therefore exactly what {@code train-mnist} builds from the candidate's {@link #options options}.
 */
final class MnistSearch {
    private final MnistClassifier classifier;
    private final MnistConnectome model;
    private final ConnectomeOdeLayer template;
    private final int batch;

    MnistSearch(MnistClassifier classifier, MnistConnectome model, int batch) {
        this.classifier = classifier;
        this.model = model;
        this.template = classifier.odeLayer(model).build();
        this.batch = batch;
    }

    MnistClassifier classifier() {
        return classifier;
    }

    MnistConnectome model() {
        return model;
    }

    /** The classifier's connectome layer, which the layer space varies. */
    ConnectomeOdeLayer template() {
        return template;
    }

    /** A layer-space builder on the template. */
    ConnectomeOdeLayerSpace.Builder layerSpace() {
        return new ConnectomeOdeLayerSpace.Builder().template(template);
    }

    /**
     * The network space: the searched connectome layer, then the classifier's own layers, all updated by Adam with
     * the searched learning rate (and the classifier's β1, β2 and ε: Arbiter's AdamSpace would otherwise set them to
     * its default learning rate), with the classifier's seed so that every candidate starts from the same weights.
     */
    MultiLayerSpace space(ConnectomeOdeLayerSpace ode, ParameterSpace<Double> learningRate, int epochs) {
        // A copy: building a configuration gives its layers the global updater, which would then stick to the template.
        MultiLayerConfiguration base = classifier.configuration(template.clone());
        Adam adam = (Adam) ((BaseLayer) base.getConf(1).getLayer()).getIUpdater();
        MultiLayerSpace.Builder b = new MultiLayerSpace.Builder()
                .seed(classifier.seed())
                .updater(new AdamSpace(learningRate, new FixedValue<>(adam.getBeta1()),
                        new FixedValue<>(adam.getBeta2()), new FixedValue<>(adam.getEpsilon())))
                .layer(ode);
        for (int i = 1; i < base.getConfs().size(); i++) {
            Layer head = base.getConf(i).getLayer().clone();
            // The classifier's global updater was copied into its layers: clear it so the searched one applies.
            ((BaseLayer) head).setIUpdater(null);
            b.layer(new ConstantLayerSpace(head));
        }
        return b.setInputType(InputType.feedForward(Mnist.PIXELS)).numEpochs(epochs).build();
    }

    /** The connectome layer of a candidate network. */
    static ConnectomeOdeLayer odeLayer(MultiLayerConfiguration candidate) {
        return (ConnectomeOdeLayer) candidate.getConf(0).getLayer();
    }

    /** The learning rate of a candidate network. */
    static double learningRate(MultiLayerConfiguration candidate) {
        return ((Adam) ((BaseLayer) candidate.getConf(1).getLayer()).getIUpdater()).getLearningRate();
    }

    /** The {@code train-mnist} options that build a candidate network (see {@link TrainMnistCommand#options}). */
    List<String> options(MultiLayerConfiguration candidate) {
        ConnectomeOdeLayer ode = odeLayer(candidate);
        MnistClassifier c = classifier.toBuilder().learningRate(learningRate(candidate)).endTime(ode.getEndTime())
                .tauMin(ode.getTauMin()).build();
        return TrainMnistCommand.options(c, batch, ode);
    }
}
