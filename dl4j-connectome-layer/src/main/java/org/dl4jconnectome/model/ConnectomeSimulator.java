package org.dl4jconnectome.model;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.ode.FixedStepStability;
import org.dl4jconnectome.ode.SolverSpec;
import org.dl4jconnectome.ode.StepSchedule;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.DoubleConsumer;

/**
 * Simulates a typed connectome without a neural network around it (inference only): the dynamics with fixed
 * parameters, solved with fixed-step or adaptive Runge–Kutta steps as a {@link SolverSpec} says, through the same
 * {@link ConnectomeIntegrator} the DL4J layer uses. Used by the command line; a DL4J network uses
 * {@code ConnectomeOdeLayer} instead.
 * <p>
 * Thread-safe: the prepared structures are shared and read-only, every call works on its own integrator, so one
 * simulator may serve several threads at once.
 */
public final class ConnectomeSimulator {
    private final ConnectomeModel model;
    private final SparseKernels kernels;
    private final ConnectomeBackend backend;
    private final double[] magnitudes;
    private final double[] tau;
    private final double[] bias;
    private final double minTau;

    private ConnectomeSimulator(Builder b) {
        this.model = ConnectomeModel.of(b.connectome, b.inputProjection, b.allExcitatory, false, b.singlePrecision);
        this.kernels = b.kernels;
        this.backend = b.backend;
        Connectome c = b.connectome;
        int n = c.numNeurons();
        this.magnitudes = c.synapses().values();
        this.tau = new double[n];
        double smallest = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            tau[i] = c.typeTau(c.types().typeOf(i));
            smallest = Math.min(smallest, tau[i]);
        }
        this.minTau = smallest;
        this.bias = b.bias == null ? new double[n] : b.bias.clone();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Connectome connectome() {
        return model.connectome();
    }

    public int numInputs() {
        return model.numInputs();
    }

    /** The sparse kernels in use. */
    public SparseKernels kernels() {
        return kernels;
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
     * @throws IllegalArgumentException for bad arguments, including fixed steps that are unstable for the smallest τ
     * @throws org.dl4jconnectome.ode.NonFiniteStateException when a state becomes NaN or infinite
     */
    public Simulation simulate(double[] x, int batch, int segments, double t0, double t1, int numPoints,
                               SolverSpec solver, DoubleConsumer progress) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(solver, "solver");
        if (batch < 1 || segments < 1) {
            throw new IllegalArgumentException("batch = " + batch + ", segments = " + segments
                    + ": expected at least 1 each");
        }
        StepSchedule.checkTimes(t0, t1);
        if (numPoints < 2) {
            throw new IllegalArgumentException("numPoints = " + numPoints + ": expected at least 2 evaluation points");
        }
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                throw new IllegalArgumentException("input value " + i + " is " + x[i] + ": expected a finite number");
            }
        }
        if (!solver.isAdaptive()) {
            FixedStepStability.check(solver, t0, t1, numPoints, minTau, "the smallest tau");
        }
        double[][] seg = BatchLayout.segments(x, batch, model.numInputs(), segments, null);
        ConnectomeIntegrator integrator = new ConnectomeIntegrator(model, kernels, backend);
        integrator.setParameters(magnitudes, null, tau, bias, model.inputProjection().matrix().values());
        int n = model.numNeurons();
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        boolean single = model.singlePrecision();
        ConnectomeIntegrator.Solution s = integrator.solve(
                new ConnectomeIntegrator.Problem(seg, batch, t0, t1, numPoints, null, null), solver,
                new ConnectomeIntegrator.Readout(all, true, single, false), false, progress);
        return new Simulation(s.outputFloat(), s.outputDouble(), batch, n, numPoints, s.stats());
    }

    /** Builder; connectome and input projection are required. */
    public static final class Builder {
        private Connectome connectome;
        private InputProjection inputProjection;
        private double[] bias;
        private boolean allExcitatory;
        private boolean singlePrecision;
        private SparseKernels kernels = SparseKernels.best();
        private ConnectomeBackend backend;

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

        /** States, products and output in float32. Default: false (float64). */
        public Builder singlePrecision(boolean single) {
            this.singlePrecision = single;
            return this;
        }

        /** The sparse kernels. Default: {@link SparseKernels#best()}. */
        public Builder kernels(SparseKernels kernels) {
            this.kernels = Objects.requireNonNull(kernels, "kernels");
            return this;
        }

        /**
         * Where the simulations run. Default: the system property {@value ConnectomeBackend#PROPERTY}, else
         * {@link ConnectomeBackend#AUTO} (a GPU when the CUDA module finds one, else the CPU).
         */
        public Builder backend(ConnectomeBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /** @throws IllegalArgumentException when a setting is missing or inconsistent */
        public ConnectomeSimulator build() {
            if (backend == null) {
                backend = ConnectomeBackend.fromSystemProperty();
            }
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
