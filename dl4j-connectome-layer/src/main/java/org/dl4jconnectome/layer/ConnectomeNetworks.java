package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.Map;

/**
 * Operations on whole DL4J networks that contain {@link ConnectomeOdeLayer}s.
 */
public final class ConnectomeNetworks {
    private ConnectomeNetworks() {
    }

    /**
     * The same network (configuration, parameters and updater state) with every connectome layer on another time
     * grid: time span [t0, t1], {@code points} evaluation points and {@code stepsPerInterval} fixed steps between
     * them. The parameters do not depend on the grid, so a network trained on one grid runs on another unchanged; a
     * sequence output then has {@code points} time steps. The given network is not modified.
     *
     * @throws IllegalArgumentException when the network has no connectome layer, or the grid is invalid for one (the
     *                                  layer's own checks, e.g. the stability of the steps)
     */
    public static MultiLayerNetwork onTimeGrid(MultiLayerNetwork net, double t0, double t1, int points,
                                               int stepsPerInterval) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
        int changed = 0;
        for (NeuralNetConfiguration c : conf.getConfs()) {
            Layer l = regrid(c.getLayer(), t0, t1, points, stepsPerInterval);
            if (l != c.getLayer()) {
                c.setLayer(l);
                changed++;
            }
        }
        requireSome(changed);
        MultiLayerNetwork out = new MultiLayerNetwork(conf);
        out.init(net.params().dup(), false);
        if (net.getUpdater() != null && net.getUpdater().getStateViewArray() != null) {
            out.getUpdater().setStateViewArray(out, net.getUpdater().getStateViewArray().dup(), false);
        }
        return out;
    }

    /** {@link #onTimeGrid(MultiLayerNetwork, double, double, int, int)} for a {@code ComputationGraph}. */
    public static ComputationGraph onTimeGrid(ComputationGraph graph, double t0, double t1, int points,
                                              int stepsPerInterval) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        int changed = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex) {
                NeuralNetConfiguration c = ((LayerVertex) e.getValue()).getLayerConf();
                Layer l = regrid(c.getLayer(), t0, t1, points, stepsPerInterval);
                if (l != c.getLayer()) {
                    c.setLayer(l);
                    changed++;
                }
            }
        }
        requireSome(changed);
        ComputationGraph out = new ComputationGraph(conf);
        out.init(graph.params().dup(), false);
        if (graph.getUpdater() != null && graph.getUpdater().getStateViewArray() != null) {
            out.getUpdater().setStateViewArray(graph.getUpdater().getStateViewArray().dup());
        }
        return out;
    }

    private static Layer regrid(Layer l, double t0, double t1, int points, int stepsPerInterval) {
        if (!(l instanceof ConnectomeOdeLayer)) {
            return l;
        }
        ConnectomeOdeLayer c = (ConnectomeOdeLayer) l;
        ConnectomeOdeLayer.Builder b = c.toBuilder().timeSpan(t0, t1).evaluationPoints(points)
                .stepsPerInterval(stepsPerInterval);
        b.nIn(c.getNIn()).nOut(c.getNOut());
        return b.build();
    }

    private static void requireSome(int changed) {
        if (changed == 0) {
            throw new IllegalArgumentException("the network has no ConnectomeOdeLayer to put on another time grid");
        }
    }
}
