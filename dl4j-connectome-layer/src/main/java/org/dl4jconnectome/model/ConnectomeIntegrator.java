package org.dl4jconnectome.model;

import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.ode.AdaptiveSolver;
import org.dl4jconnectome.ode.FixedStepSolver;
import org.dl4jconnectome.ode.PointSink;
import org.dl4jconnectome.ode.SolverSpec;
import org.dl4jconnectome.ode.SolverStats;
import org.dl4jconnectome.ode.StateBackend;
import org.dl4jconnectome.ode.StepSchedule;
import org.dl4jconnectome.ode.Tape;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.DoubleConsumer;

/**
 * The one integration pipeline of the library, used by the DL4J layer and the simulator alike: the model's vector
 * field on states of the model's precision, a fixed-step or adaptive solve as a {@link SolverSpec} says, the
 * readout of chosen neurons at the evaluation points straight into DL4J's [B, neurons, points] layout, and the
 * reverse pass of the last recorded solve.
 * <p>
 * The states live where the {@link ConnectomeBackend} puts them: in Java arrays, or in a GPU's memory when a
 * {@link ConnectomeFieldProvider} (the {@code dl4j-connectome-cuda} module) is on the class path and finds a device.
 * <p>
 * Working memory (states, tape, output buffers) is kept from one solve to the next, so an instance is not
 * thread-safe: use one per layer or per thread; the {@link ConnectomeModel} it runs on is shared.
 */
public final class ConnectomeIntegrator {
    private final ConnectomeModel model;
    private final SparseKernels kernels;
    private final Context<?> context;

    private double[] gains;

    /** An integrator on the backend the system property {@value ConnectomeBackend#PROPERTY} selects (default auto). */
    public ConnectomeIntegrator(ConnectomeModel model, SparseKernels kernels) {
        this(model, kernels, ConnectomeBackend.fromSystemProperty());
    }

    /**
     * @param kernels the host's kernels (used when the solves run on the CPU)
     * @param backend where the solves run
     * @throws IllegalStateException when the GPU is requested and none is usable
     */
    public ConnectomeIntegrator(ConnectomeModel model, SparseKernels kernels, ConnectomeBackend backend) {
        this.model = Objects.requireNonNull(model, "model");
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        this.context = contextOf(BackendSelection.field(model, kernels, Objects.requireNonNull(backend, "backend"),
                BackendSelection.providers()));
    }

    private <V> Context<V> contextOf(ConnectomeField<V> field) {
        return new Context<>(field);
    }

    public ConnectomeModel model() {
        return model;
    }

    /** The host's sparse kernels (in use when the solves run on the CPU). */
    public SparseKernels kernels() {
        return kernels;
    }

    /** Where the solves run, e.g. "cpu (vector kernels)". */
    public String backendName() {
        return context.field.backendName();
    }

    /**
     * Sets the parameters of the next solves (arrays in the connectome's CSR order; kept by reference until the next
     * call).
     *
     * @param magnitudes   synapse magnitudes W ≥ 0
     * @param gains        type-pair gains K×K, or null without type-pair gains
     * @param tauPerNeuron τ of every neuron
     * @param bias         b per neuron
     * @param inputWeights values of U
     */
    public void setParameters(double[] magnitudes, double[] gains, double[] tauPerNeuron, double[] bias,
                              double[] inputWeights) {
        this.gains = gains;
        context.field.setParameters(magnitudes, gains, tauPerNeuron, bias, inputWeights);
    }

    /** What to solve: the input, the time span and grid, per-sample end times and the initial state. */
    public static final class Problem {
        final double[][] segments;
        final int batch;
        final double t0;
        final double t1;
        final int numPoints;
        final double[] endTimes;
        final double[] initialState;

        /**
         * @param segments     the input as T_in segments of I×B batch-innermost values (see {@link BatchLayout})
         * @param batch        B
         * @param t0           start time
         * @param t1           end time
         * @param numPoints    evaluation points linspace(t0, t1, numPoints), ≥ 2
         * @param endTimes     per-sample end times (variable-length input), or null: every sample runs to t1
         * @param initialState h(t0), N×B batch-innermost, or null for zeros
         */
        public Problem(double[][] segments, int batch, double t0, double t1, int numPoints, double[] endTimes,
                       double[] initialState) {
            this.segments = Objects.requireNonNull(segments, "segments");
            this.batch = batch;
            this.t0 = t0;
            this.t1 = t1;
            this.numPoints = numPoints;
            this.endTimes = endTimes;
            this.initialState = initialState;
            if (numPoints < 2) {
                throw new IllegalArgumentException("numPoints = " + numPoints + ": expected at least 2 evaluation "
                        + "points");
            }
        }
    }

    /** Which states a solve returns. */
    public static final class Readout {
        final int[] rows;
        final boolean allPoints;
        final boolean float32;
        final boolean finalState;

        /**
         * @param rows       the neurons to read, in order
         * @param allPoints  every evaluation point ([B, rows, P]), or only the last ([B, rows])
         * @param float32    into a float[] (else a double[])
         * @param finalState also keep the state of every neuron at the last point (for streaming)
         */
        public Readout(int[] rows, boolean allPoints, boolean float32, boolean finalState) {
            this.rows = rows.clone();
            this.allPoints = allPoints;
            this.float32 = float32;
            this.finalState = finalState;
        }

        int width(int numPoints) {
            return allPoints ? numPoints : 1;
        }
    }

    /** The result of a solve; its arrays are the integrator's and valid until the next solve. */
    public static final class Solution {
        private final float[] outputF;
        private final double[] outputD;
        private final double[] finalState;
        private final SolverStats stats;

        Solution(float[] outputF, double[] outputD, double[] finalState, SolverStats stats) {
            this.outputF = outputF;
            this.outputD = outputD;
            this.finalState = finalState;
            this.stats = stats;
        }

        /** The readout [B, rows, P'] in C order, float32 (null when read in float64). */
        public float[] outputFloat() {
            return outputF;
        }

        /** The readout [B, rows, P'] in C order, float64 (null when read in float32). */
        public double[] outputDouble() {
            return outputD;
        }

        /** The state of every neuron at the last point, N×B batch-innermost, or null when not asked for. */
        public double[] finalState() {
            return finalState;
        }

        public SolverStats stats() {
            return stats;
        }
    }

    /** The cotangents of a recorded solve's parameters and inputs; arrays valid until the next backward pass. */
    public static final class Gradients {
        private final double[] magnitudes;
        private final double[] gains;
        private final double[] tauPerNeuron;
        private final double[] bias;
        private final double[] inputWeights;
        private final double[] input;
        private final double[] initialState;

        Gradients(double[] magnitudes, double[] gains, double[] tauPerNeuron, double[] bias, double[] inputWeights,
                  double[] input, double[] initialState) {
            this.magnitudes = magnitudes;
            this.gains = gains;
            this.tauPerNeuron = tauPerNeuron;
            this.bias = bias;
            this.inputWeights = inputWeights;
            this.input = input;
            this.initialState = initialState;
        }

        /** dL/dW in CSR order. */
        public double[] magnitudes() {
            return magnitudes;
        }

        /** dL/dG (K×K), or null without type-pair gains. */
        public double[] gains() {
            return gains;
        }

        public double[] tauPerNeuron() {
            return tauPerNeuron;
        }

        public double[] bias() {
            return bias;
        }

        /** dL/dU in CSR order. */
        public double[] inputWeights() {
            return inputWeights;
        }

        /** dL/dx, C order [B, I, T_in]. */
        public double[] input() {
            return input;
        }

        /** dL/dh(t0), N×B batch-innermost. */
        public double[] initialState() {
            return initialState;
        }
    }

    /**
     * Solves one batch.
     *
     * @param record   keep the tape for {@link #backward} (fixed steps only)
     * @param progress receives the fraction done after each step, or null
     * @throws org.dl4jconnectome.ode.NonFiniteStateException when a state becomes NaN or infinite
     * @throws IllegalStateException                          when an adaptive sample exceeds its step budget
     */
    public Solution solve(Problem problem, SolverSpec spec, Readout readout, boolean record,
                          DoubleConsumer progress) {
        if (record && spec.isAdaptive()) {
            throw new IllegalArgumentException("only fixed-step solves record a tape for the reverse pass, got "
                    + spec);
        }
        return context.solve(problem, spec, readout, record, progress);
    }

    /**
     * The reverse pass of the last recorded solve.
     *
     * @param outputGrad the cotangent of the readout, same layout as the solve's output
     */
    public Gradients backward(double[] outputGrad) {
        return context.backward(outputGrad);
    }

    /** The typed part: everything that touches the states. */
    private final class Context<V> {
        final ConnectomeField<V> field;
        final Tape<V> tape = new Tape<>();
        FixedStepSolver<V> fixed;
        StateBackend<V> ops;
        V y0;
        V y0Bar;
        float[] outF;
        double[] outD;
        double[] finalState;
        // The last recorded solve.
        Problem recorded;
        Readout recordedReadout;
        StepSchedule recordedSchedule;

        Context(ConnectomeField<V> field) {
            this.field = field;
        }

        Solution solve(Problem p, SolverSpec spec, Readout r, boolean record, DoubleConsumer progress) {
            recorded = null;
            field.setInput(p.segments, p.batch);
            if (ops != field.states()) {
                ops = field.states();
                y0 = ops.allocate();
                y0Bar = ops.allocate();
            }
            if (p.initialState == null) {
                ops.fill(y0, 0.0);
            } else {
                ops.write(p.initialState, y0);
            }
            int width = r.width(p.numPoints);
            int len = p.batch * r.rows.length * width;
            if (r.float32) {
                outF = outF != null && outF.length == len ? outF : new float[len];
            } else {
                outD = outD != null && outD.length == len ? outD : new double[len];
            }
            int n = model.numNeurons();
            if (r.finalState) {
                finalState = finalState != null && finalState.length == n * p.batch ? finalState
                        : new double[n * p.batch];
            }
            PointSink<V> sink = (point, state, samples) -> {
                int index = r.allPoints ? point : point == p.numPoints - 1 ? 0 : -1;
                if (index >= 0) {
                    if (r.float32) {
                        ops.readPoint(state, r.rows, index, width, samples, outF);
                    } else {
                        ops.readPoint(state, r.rows, index, width, samples, outD);
                    }
                }
                if (r.finalState && point == p.numPoints - 1) {
                    readSamples(state, samples, finalState);
                }
            };
            SolverStats stats;
            if (spec.isAdaptive()) {
                double[] times = StepSchedule.evaluationPoints(p.t0, p.t1, p.numPoints);
                stats = AdaptiveSolver.<V>of(spec).solve(field, ops, p.t0, p.t1, times, p.segments.length,
                        p.endTimes, y0, sink, progress);
            } else {
                StepSchedule schedule = StepSchedule.fixed(p.t0, p.t1, p.numPoints, spec.stepsPerInterval(),
                        p.segments.length);
                if (fixed == null || !fixed.method().equals(spec.method())
                        || fixed.checkpointEvery() != spec.checkpointEvery()) {
                    fixed = FixedStepSolver.of(spec);
                }
                if (record) {
                    checkTapeFits(field, schedule.numSteps(), fixed.stagesPerStep(), spec.checkpointEvery(),
                            p.batch);
                }
                fixed.forward(field, ops, schedule, p.endTimes, y0, sink, record ? tape : null, progress);
                stats = fixedStats(schedule, p.batch, fixed.stagesPerStep());
                if (record) {
                    recorded = p;
                    recordedReadout = r;
                    recordedSchedule = schedule;
                }
            }
            ops.awaitReads();
            return new Solution(r.float32 ? outF : null, r.float32 ? null : outD, r.finalState ? finalState : null,
                    stats);
        }

        private double[] columns;
        private double[] wGrad;
        private double[] gGrad;
        private double[] inputGrad;
        private double[] y0Grad;

        /** The selected samples' columns of a state into a host batch-innermost array. */
        private void readSamples(V state, boolean[] samples, double[] out) {
            if (samples == null) {
                ops.read(state, out);
                return;
            }
            columns = columns != null && columns.length == out.length ? columns : new double[out.length];
            ops.read(state, columns);
            int batch = ops.batch();
            for (int e = 0; e < out.length; e++) {
                if (samples[e % batch]) {
                    out[e] = columns[e];
                }
            }
        }

        Gradients backward(double[] outputGrad) {
            if (recorded == null) {
                throw new IllegalStateException("backward needs the tape of a recorded fixed-step solve");
            }
            Problem p = recorded;
            Readout r = recordedReadout;
            int width = r.width(p.numPoints);
            ConnectomeDynamics.check("outputGrad", outputGrad.length, p.batch * r.rows.length * width);
            field.resetGradients();
            fixed.backward(field, ops, recordedSchedule, p.endTimes, tape, (point, yBar) -> {
                int index = r.allPoints ? point : point == p.numPoints - 1 ? 0 : -1;
                if (index >= 0) {
                    ops.addPoint(outputGrad, r.rows, index, width, yBar);
                }
            }, y0Bar);
            wGrad = sized(wGrad, model.operator().numSynapses());
            gGrad = gains == null ? null : sized(gGrad, model.effectiveWeights().numGains());
            field.synapseGradients(wGrad, gGrad);
            inputGrad = sized(inputGrad, p.batch * model.numInputs() * p.segments.length);
            BatchLayout.fromSegments(field.inputGradient(), p.batch, model.numInputs(), inputGrad);
            y0Grad = sized(y0Grad, model.numNeurons() * p.batch);
            ops.read(y0Bar, y0Grad);
            return new Gradients(wGrad, gGrad, field.tauGradient(), field.biasGradient(),
                    field.inputWeightGradient(), inputGrad, y0Grad);
        }
    }

    /**
     * The reverse pass's tape must fit in the states' memory (the Java heap, or the GPU's): an out-of-memory error
     * deep in a training step says nothing about what to change.
     */
    private void checkTapeFits(ConnectomeField<?> field, int steps, int stages, int checkpointEvery, int batch) {
        long kept = checkpointEvery == 0 ? steps : Math.min(checkpointEvery, steps);
        long checkpoints = checkpointEvery == 0 ? 0 : (steps + checkpointEvery - 1) / checkpointEvery;
        long bytes = (2 * stages * kept + checkpoints) * model.numNeurons() * batch
                * (model.singlePrecision() ? Float.BYTES : Double.BYTES);
        long limit = field.stateMemoryLimit();
        if (bytes > limit) {
            boolean host = field.statesOnHost();
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "training %d steps of %d stages "
                    + "for %d neurons x %d samples keeps a tape of %.1f GB, more than %s (%.1f GB): keep "
                    + "fewer steps with SolverSpec.withCheckpointEvery(k) (memory ~ steps/k + k), use fewer "
                    + "evaluation points or steps per interval, a smaller batch%s",
                    steps, stages, model.numNeurons(), batch, bytes / 1e9,
                    host ? "the Java heap" : "the free memory of " + field.backendName(), limit / 1e9,
                    host ? ", or give Java more memory (-Xmx)" : ""));
        }
    }

    private static double[] sized(double[] a, int length) {
        return a != null && a.length == length ? a : new double[length];
    }

    private static SolverStats fixedStats(StepSchedule schedule, int batch, int stages) {
        int[] steps = new int[batch];
        Arrays.fill(steps, schedule.numSteps());
        int[] evals = new int[batch];
        Arrays.fill(evals, schedule.numSteps() * stages);
        return new SolverStats(steps, new int[batch], evals, evals[0]);
    }
}
