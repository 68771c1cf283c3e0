package org.dl4jconnectome.model;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.kernels.BlockedCsr;
import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.ode.AdaptiveRungeKutta;
import org.dl4jconnectome.ode.SolverSpec;
import org.dl4jconnectome.ode.SolverStats;
import org.dl4jconnectome.ode.StepSchedule;
import org.dl4jconnectome.ode.UnrolledRungeKutta;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.DoubleConsumer;

/**
 * Simulates a typed connectome without a neural network around it (inference only): the dynamics of
 * {@link ConnectomeDynamics} with fixed parameters, solved with fixed-step or adaptive Dormand–Prince 5(4).
 * Used by the command line; a DL4J network uses {@code ConnectomeOdeLayer} instead.
 */
public final class ConnectomeSimulator {
    private final Connectome connectome;
    private final InputProjection input;
    private final ConnectomeDynamics dynamics;
    private final double[] effective;
    private final double[] tau;
    private final double[] bias;

    private ConnectomeSimulator(Builder b) {
        this.connectome = b.connectome;
        this.input = b.inputProjection;
        int n = connectome.numNeurons();
        Nonlinearity[] phi = new Nonlinearity[connectome.numTypes()];
        for (int t = 0; t < phi.length; t++) {
            phi[t] = connectome.typeNonlinearity(t);
        }
        this.dynamics = new ConnectomeDynamics(connectome.synapses(), input.matrix(), connectome.types().typeIds(),
                phi, b.kernels, b.singlePrecision, BlockedCsr.DEFAULT_BLOCK_WIDTH);
        EffectiveWeights w = new EffectiveWeights(connectome, b.allExcitatory, false);
        this.effective = new double[connectome.numSynapses()];
        w.compute(connectome.synapses().values(), null, effective);
        this.tau = new double[n];
        for (int i = 0; i < n; i++) {
            tau[i] = connectome.typeTau(connectome.types().typeOf(i));
        }
        this.bias = b.bias == null ? new double[n] : b.bias.clone();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Connectome connectome() {
        return connectome;
    }

    public int numInputs() {
        return input.numInputs();
    }

    /** The sparse kernels in use. */
    public SparseKernels kernels() {
        return dynamics.kernels();
    }

    /**
     * Runs a batch.
     *
     * @param x         the input in C order: [B, I] (held constant) when segments = 1, else [B, I, segments]
     *                  (piecewise constant on equal bins)
     * @param batch     B
     * @param segments  T_in ≥ 1
     * @param t0        start time
     * @param t1        end time
     * @param numPoints evaluation points linspace(t0, t1, numPoints), ≥ 2
     * @param solver    fixed steps or adaptive
     * @param progress  receives the fraction done after each step, or null
     */
    public Simulation simulate(double[] x, int batch, int segments, double t0, double t1, int numPoints,
                               SolverSpec solver, DoubleConsumer progress) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(solver, "solver");
        int inputs = input.numInputs();
        if (batch < 1 || segments < 1) {
            throw new IllegalArgumentException("batch = " + batch + ", segments = " + segments
                    + ": expected at least 1 each");
        }
        if (x.length != (long) batch * inputs * segments) {
            throw new IllegalArgumentException("the input has " + x.length + " values, expected B x I x T = " + batch
                    + " x " + inputs + " x " + segments);
        }
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                throw new IllegalArgumentException("input value " + i + " is " + x[i] + ": expected a finite number");
            }
        }
        double[][] seg = new double[segments][inputs * batch];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < inputs; k++) {
                for (int s = 0; s < segments; s++) {
                    seg[s][k * batch + b] = x[(b * inputs + k) * segments + s];
                }
            }
        }
        dynamics.setParameters(effective, tau, bias, input.matrix().values());
        dynamics.setInput(seg, batch);
        int n = connectome.numNeurons();
        double[][] points = new double[numPoints][n * batch];
        double[] y0 = new double[n * batch];
        SolverStats stats;
        if (solver.isAdaptive()) {
            double[] times = StepSchedule.evaluationPoints(t0, t1, checkPoints(numPoints));
            AdaptiveRungeKutta rk = new AdaptiveRungeKutta(solver.method(), solver.controller(), solver.maxSteps(),
                    solver.breakpoints());
            stats = rk.solve(dynamics, t0, t1, times, segments, y0, points, progress);
        } else {
            StepSchedule schedule = StepSchedule.fixed(t0, t1, checkPoints(numPoints), solver.stepsPerInterval(),
                    segments);
            UnrolledRungeKutta rk = new UnrolledRungeKutta(solver.method().tableau());
            rk.forward(dynamics, schedule, y0, points, null, progress);
            int[] steps = new int[batch];
            Arrays.fill(steps, schedule.numSteps());
            int[] evals = new int[batch];
            Arrays.fill(evals, schedule.numSteps() * rk.stagesPerStep());
            stats = new SolverStats(steps, new int[batch], evals, evals[0]);
        }
        return new Simulation(points, batch, n, stats);
    }

    private static int checkPoints(int numPoints) {
        if (numPoints < 2) {
            throw new IllegalArgumentException("numPoints = " + numPoints + ": expected at least 2 evaluation points");
        }
        return numPoints;
    }

    /** Builder; connectome and input projection are required. */
    public static final class Builder {
        private Connectome connectome;
        private InputProjection inputProjection;
        private double[] bias;
        private boolean allExcitatory;
        private boolean singlePrecision;
        private SparseKernels kernels = SparseKernels.best();

        private Builder() {
        }

        /** The typed connectome. Required. */
        public Builder connectome(Connectome connectome) {
            this.connectome = connectome;
            return this;
        }

        /** The N×I input projection. Required. */
        public Builder inputProjection(InputProjection inputProjection) {
            this.inputProjection = inputProjection;
            return this;
        }

        /** Bias per neuron (length N, finite). Default: zeros. */
        public Builder bias(double[] bias) {
            this.bias = bias == null ? null : bias.clone();
            return this;
        }

        /** Ignore signs (bioplnn's tutorial-era behaviour). Default: false. */
        public Builder allExcitatory(boolean allExcitatory) {
            this.allExcitatory = allExcitatory;
            return this;
        }

        /** Run the sparse products in float32. Default: false (float64). */
        public Builder singlePrecision(boolean single) {
            this.singlePrecision = single;
            return this;
        }

        /** The sparse kernels. Default: {@link SparseKernels#best()}. */
        public Builder kernels(SparseKernels kernels) {
            this.kernels = Objects.requireNonNull(kernels, "kernels");
            return this;
        }

        /** @throws IllegalArgumentException when a setting is missing or inconsistent */
        public ConnectomeSimulator build() {
            if (connectome == null || inputProjection == null) {
                throw new IllegalArgumentException("connectome and inputProjection are required");
            }
            int n = connectome.numNeurons();
            if (inputProjection.numNeurons() != n) {
                throw new IllegalArgumentException("the input projection has " + inputProjection.numNeurons()
                        + " rows, expected one per neuron (" + n + ")");
            }
            if (bias != null) {
                if (bias.length != n) {
                    throw new IllegalArgumentException("bias has " + bias.length + " entries, expected " + n);
                }
                for (int i = 0; i < n; i++) {
                    if (!Double.isFinite(bias[i])) {
                        throw new IllegalArgumentException("bias[" + i + "] = " + bias[i] + ": expected a finite "
                                + "number");
                    }
                }
            }
            return new ConnectomeSimulator(this);
        }
    }
}
