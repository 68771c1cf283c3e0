package org.dl4jconnectome.ode;

import org.dl4jconnectome.kernels.Parallel;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.DoubleConsumer;

/**
 * An explicit Runge–Kutta method unrolled over a fixed {@link StepSchedule}, with its exact reverse pass (the
 * discrete adjoint of the same steps, so gradients are those of the computed outputs, not of the exact ODE).
 * <p>
 * Only the stages the solution needs are evaluated ({@link ButcherTableau#solutionStages()}: 6 for Dopri5). The
 * reverse pass needs each stage's input and the field's record, which a {@link Tape} keeps: memory
 * O(stages × steps × state size), independent of the number of parameters.
 * <p>
 * The working arrays are kept from one call to the next (training repeats the same sizes), so an instance is not
 * thread-safe: use one per layer or simulator.
 */
public final class UnrolledRungeKutta {
    private final ButcherTableau tableau;
    private final int stages;
    private double[][] k = new double[0][];
    private double[][] kBar = new double[0][];
    private double[] state;
    private double[] stageIn;
    private double[] record;
    private double[] yBarWork;
    private double[] prevBarWork;
    private double[] stageBar;

    public UnrolledRungeKutta(ButcherTableau tableau) {
        this.tableau = Objects.requireNonNull(tableau, "tableau");
        this.stages = tableau.solutionStages();
    }

    public ButcherTableau tableau() {
        return tableau;
    }

    /** Field evaluations per step. */
    public int stagesPerStep() {
        return stages;
    }

    /**
     * Integrates y' = f(y) from {@code y0} along the schedule.
     *
     * @param pointsOut receives the state at every evaluation point: pointsOut[j] (length size·batch) for j in
     *                  [0, numPoints); pointsOut[0] is a copy of y0
     * @param tape      records the stages for {@link #backward}, or null for inference
     */
    public void forward(VectorField f, StepSchedule schedule, double[] y0, double[][] pointsOut, Tape tape) {
        forward(f, schedule, y0, pointsOut, tape, null);
    }

    /**
     * {@link #forward(VectorField, StepSchedule, double[], double[][], Tape)}, reporting the fraction of steps done
     * after each step to {@code progress} (may be null).
     */
    public void forward(VectorField f, StepSchedule schedule, double[] y0, double[][] pointsOut, Tape tape,
                        DoubleConsumer progress) {
        int len = f.size() * f.batch();
        checkLength("y0", y0, len);
        if (pointsOut.length != schedule.numPoints()) {
            throw new IllegalArgumentException("pointsOut has " + pointsOut.length + " arrays, expected one per "
                    + "evaluation point (" + schedule.numPoints() + ")");
        }
        int steps = schedule.numSteps();
        k = matrix(k, len);
        state = vector(state, len);
        double[] y = state;
        System.arraycopy(y0, 0, y, 0, len);
        if (tape == null) {
            stageIn = vector(stageIn, len);
            record = f.recordLength() > 0 ? vector(record, f.recordLength()) : null;
        } else {
            tape.ensure(steps, stages, len, f.recordLength());
        }
        int[] segment = new int[f.batch()];
        System.arraycopy(y, 0, pointsOut[0], 0, len);
        for (int n = 0; n < steps; n++) {
            double h = schedule.stepSize(n);
            Arrays.fill(segment, schedule.stepSegment(n));
            for (int i = 0; i < stages; i++) {
                double[] yi = tape == null ? stageIn : tape.input[n][i];
                combine(y, h, i, k, yi);
                f.evaluate(segment, yi, k[i], tape == null ? record : tape.record[n][i]);
            }
            double[][] kk = k;
            Parallel.forRange(len, (lo, hi) -> {
                for (int i = 0; i < stages; i++) {
                    double w = h * tableau.b(i);
                    if (w != 0) {
                        double[] ki = kk[i];
                        for (int e = lo; e < hi; e++) {
                            y[e] += w * ki[e];
                        }
                    }
                }
            });
            int p = schedule.pointAfterStep(n);
            if (p >= 0) {
                System.arraycopy(y, 0, pointsOut[p], 0, len);
            }
            if (progress != null) {
                progress.accept((n + 1.0) / steps);
            }
        }
    }

    /** yi = y + h Σ_{j<i} a_ij k_j. */
    private void combine(double[] y, double h, int i, double[][] k, double[] yi) {
        Parallel.forRange(yi.length, (lo, hi) -> {
            System.arraycopy(y, lo, yi, lo, hi - lo);
            for (int j = 0; j < i; j++) {
                double w = h * tableau.a(i, j);
                if (w != 0) {
                    double[] kj = k[j];
                    for (int e = lo; e < hi; e++) {
                        yi[e] += w * kj[e];
                    }
                }
            }
        });
    }

    /**
     * The reverse pass of {@link #forward}: given the cotangents of the evaluation-point states, accumulates the
     * field's parameter cotangents (through {@link DifferentiableVectorField#vjp}) and returns the cotangent of y0.
     *
     * @param pointsBar cotangent of the state at each evaluation point; a null entry means zero
     * @param y0Bar     receives the cotangent of y0 (overwritten)
     */
    public void backward(DifferentiableVectorField f, StepSchedule schedule, Tape tape, double[][] pointsBar,
                         double[] y0Bar) {
        int len = f.size() * f.batch();
        int steps = schedule.numSteps();
        if (tape == null || tape.steps < steps || tape.len != len) {
            throw new IllegalStateException("backward needs the tape of a forward pass over the same schedule");
        }
        checkLength("y0Bar", y0Bar, len);
        yBarWork = vector(yBarWork, len);
        prevBarWork = vector(prevBarWork, len);
        stageBar = vector(stageBar, len);
        kBar = matrix(kBar, len);
        double[] yBar = yBarWork;
        double[] prevBar = prevBarWork;
        double[] stageBar = this.stageBar;
        double[][] kBar = this.kBar;
        Arrays.fill(yBar, 0.0);
        int[] segment = new int[f.batch()];
        addPoint(yBar, pointsBar, schedule.numPoints() - 1);
        for (int n = steps - 1; n >= 0; n--) {
            double h = schedule.stepSize(n);
            Arrays.fill(segment, schedule.stepSegment(n));
            final double[] yb = yBar;
            final double[] pb0 = prevBar;
            Parallel.forRange(len, (lo, hi) -> {
                System.arraycopy(yb, lo, pb0, lo, hi - lo);
                for (int i = 0; i < stages; i++) {
                    double w = h * tableau.b(i);
                    double[] kb = kBar[i];
                    for (int e = lo; e < hi; e++) {
                        kb[e] = w * yb[e];
                    }
                }
            });
            for (int i = stages - 1; i >= 0; i--) {
                f.vjp(segment, tape.input[n][i], tape.record[n][i], kBar[i], stageBar);
                final int stage = i;
                final double[] pb = prevBar;
                Parallel.forRange(len, (lo, hi) -> {
                    for (int e = lo; e < hi; e++) {
                        pb[e] += stageBar[e];
                    }
                    for (int j = 0; j < stage; j++) {
                        double w = h * tableau.a(stage, j);
                        if (w != 0) {
                            double[] kb = kBar[j];
                            for (int e = lo; e < hi; e++) {
                                kb[e] += w * stageBar[e];
                            }
                        }
                    }
                });
            }
            f.endOfStep();
            double[] t = yBar;
            yBar = prevBar;
            prevBar = t;
            if (n > 0) {
                int p = schedule.pointAfterStep(n - 1);
                if (p >= 0) {
                    addPoint(yBar, pointsBar, p);
                }
            }
        }
        addPoint(yBar, pointsBar, 0);
        System.arraycopy(yBar, 0, y0Bar, 0, len);
    }

    private static double[] vector(double[] a, int len) {
        return a != null && a.length == len ? a : new double[len];
    }

    private double[][] matrix(double[][] a, int len) {
        return a.length == stages && a[0].length == len ? a : new double[stages][len];
    }

    private static void addPoint(double[] yBar, double[][] pointsBar, int p) {
        double[] pb = pointsBar[p];
        if (pb != null) {
            for (int e = 0; e < yBar.length; e++) {
                yBar[e] += pb[e];
            }
        }
    }

    private static void checkLength(String name, double[] a, int len) {
        if (a == null || a.length != len) {
            throw new IllegalArgumentException(name + " has " + (a == null ? "no" : a.length) + " entries, expected "
                    + len);
        }
    }

    /**
     * The stage inputs and field records of a forward pass. Reused across passes: its arrays are only reallocated
     * when a pass needs more steps or another state size, so repeated training steps do not churn memory.
     */
    public static final class Tape {
        private double[][][] input = new double[0][][];
        private double[][][] record = new double[0][][];
        private int steps;
        private int len;
        private int recordLen;

        void ensure(int steps, int stages, int len, int recordLen) {
            if (len != this.len || recordLen != this.recordLen || input.length < steps
                    || (input.length > 0 && input[0].length != stages)) {
                input = new double[0][][];
                record = new double[0][][];
                this.len = len;
                this.recordLen = recordLen;
            }
            if (input.length < steps) {
                double[][][] in = Arrays.copyOf(input, steps);
                double[][][] rec = Arrays.copyOf(record, steps);
                for (int n = input.length; n < steps; n++) {
                    in[n] = new double[stages][len];
                    rec[n] = new double[stages][recordLen];
                }
                input = in;
                record = rec;
            }
            this.steps = steps;
        }

        /** Bytes held, for memory reports. */
        public long bytes() {
            return (long) input.length * (input.length == 0 ? 0 : input[0].length) * (len + (long) recordLen) * 8;
        }

        /** Drops the arrays. */
        public void clear() {
            input = new double[0][][];
            record = new double[0][][];
            steps = 0;
            len = 0;
            recordLen = 0;
        }
    }
}
