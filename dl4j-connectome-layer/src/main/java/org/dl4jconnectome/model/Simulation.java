package org.dl4jconnectome.model;

import org.dl4jconnectome.ode.SolverStats;

/**
 * The result of {@link ConnectomeSimulator#simulate}: the states of every neuron at the evaluation points, as
 * [B, N, numPoints] in C order (the layer's NCW output layout, and the layout {@code simulate} writes), in the
 * simulator's precision, with the solver's statistics.
 */
public final class Simulation {
    private final float[] statesF;
    private final double[] statesD;
    private final int batch;
    private final int neurons;
    private final int points;
    private final SolverStats stats;

    Simulation(float[] statesF, double[] statesD, int batch, int neurons, int points, SolverStats stats) {
        this.statesF = statesF;
        this.statesD = statesD;
        this.batch = batch;
        this.neurons = neurons;
        this.points = points;
        this.stats = stats;
    }

    public int batch() {
        return batch;
    }

    public int neurons() {
        return neurons;
    }

    public int numPoints() {
        return points;
    }

    /** Whether the states are float32 (a single-precision simulator). */
    public boolean isFloat32() {
        return statesF != null;
    }

    /** The state of neuron i of sample b at evaluation point p. */
    public double state(int b, int i, int p) {
        int e = (b * neurons + i) * points + p;
        return statesF != null ? statesF[e] : statesD[e];
    }

    public SolverStats stats() {
        return stats;
    }

    /** All states as [B, N, numPoints] in C order, float64 (a copy). */
    public double[] toArray() {
        if (statesD != null) {
            return statesD.clone();
        }
        double[] out = new double[statesF.length];
        for (int e = 0; e < out.length; e++) {
            out[e] = statesF[e];
        }
        return out;
    }

    /** All states as [B, N, numPoints] in C order, float32 (a copy). */
    public float[] toFloatArray() {
        if (statesF != null) {
            return statesF.clone();
        }
        float[] out = new float[statesD.length];
        for (int e = 0; e < out.length; e++) {
            out[e] = (float) statesD[e];
        }
        return out;
    }
}
