package org.dl4jconnectome.ode;

import org.dl4jconnectome.kernels.DoubleStates;
import org.dl4jconnectome.kernels.FloatStates;

/** Runs the solvers on host float64 (or float32) states and collects the evaluation points, for tests. */
final class HostSolve {
    final int size;
    final int batch;
    final DoubleStates ops;

    HostSolve(int size, int batch) {
        this.size = size;
        this.batch = batch;
        this.ops = new DoubleStates(size, batch);
    }

    /** The states at every evaluation point of a fixed-step forward pass. */
    double[][] forward(FixedStepSolver<double[]> solver, VectorField<double[]> f, StepSchedule s, double[] y0,
                       double[] endTimes, Tape<double[]> tape) {
        double[][] out = new double[s.numPoints()][];
        solver.forward(f, ops, s, endTimes, y0.clone(), (p, state, samples) -> out[p] = state.clone(), tape, null);
        return out;
    }

    /** dL/dy0 of L = Σ_j pointsBar[j] · y(t_j) (null entries: 0). */
    double[] backward(FixedStepSolver<double[]> solver, DifferentiableVectorField<double[]> f, StepSchedule s,
                      double[] endTimes, Tape<double[]> tape, double[][] pointsBar) {
        double[] y0Bar = new double[size * batch];
        java.util.Arrays.fill(y0Bar, Double.NaN);
        solver.backward(f, ops, s, endTimes, tape, (p, yBar) -> {
            if (pointsBar[p] != null) {
                for (int e = 0; e < yBar.length; e++) {
                    yBar[e] += pointsBar[p][e];
                }
            }
        }, y0Bar);
        return y0Bar;
    }

    /** The states at every evaluation point of an adaptive solve (each sample's columns as it reaches them). */
    double[][] adaptive(AdaptiveSolver<double[]> solver, VectorField<double[]> f, double t0, double t1,
                        double[] points, int segments, double[] endTimes, double[] y0, SolverStats[] stats) {
        double[][] out = new double[points.length][size * batch];
        SolverStats st = solver.solve(f, ops, t0, t1, points, segments, endTimes, y0.clone(), (p, state, samples) -> {
            for (int e = 0; e < state.length; e++) {
                if (samples == null || samples[e % batch]) {
                    out[p][e] = state[e];
                }
            }
        }, null);
        if (stats != null) {
            stats[0] = st;
        }
        return out;
    }

    /** A float32 backend of the same shape. */
    FloatStates float32() {
        return new FloatStates(size, batch);
    }
}
