package org.dl4jconnectome.model;

import org.dl4jconnectome.ode.SolverStats;

/** The result of {@link ConnectomeSimulator#simulate}: states at the evaluation points and solver statistics. */
public final class Simulation {
    private final double[][] points;
    private final int batch;
    private final int neurons;
    private final SolverStats stats;

    Simulation(double[][] points, int batch, int neurons, SolverStats stats) {
        this.points = points;
        this.batch = batch;
        this.neurons = neurons;
        this.stats = stats;
    }

    public int batch() {
        return batch;
    }

    public int neurons() {
        return neurons;
    }

    public int numPoints() {
        return points.length;
    }

    /** The state of neuron i of sample b at evaluation point p. */
    public double state(int b, int i, int p) {
        return points[p][i * batch + b];
    }

    public SolverStats stats() {
        return stats;
    }

    /** All states as [B, N, numPoints] in C order (the layer's NCW output layout). */
    public double[] toArray() {
        int t = points.length;
        double[] out = new double[batch * neurons * t];
        for (int p = 0; p < t; p++) {
            double[] s = points[p];
            for (int i = 0; i < neurons; i++) {
                for (int b = 0; b < batch; b++) {
                    out[(b * neurons + i) * t + p] = s[i * batch + b];
                }
            }
        }
        return out;
    }
}
