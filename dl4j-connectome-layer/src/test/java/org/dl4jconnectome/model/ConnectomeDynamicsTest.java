package org.dl4jconnectome.model;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.ode.FixedStepSolver;
import org.dl4jconnectome.ode.RungeKuttaMethod;
import org.dl4jconnectome.ode.StepSchedule;
import org.dl4jconnectome.testutil.WorkedExample;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConnectomeDynamicsTest {

    @ParameterizedTest
    @CsvSource({"true, false", "false, false", "true, true", "false, true"})
    void workedExampleMatchesExactSolution(boolean allExcitatory, boolean float32) {
        Connectome c = WorkedExample.connectome();
        InputProjection u = WorkedExample.inputProjection();
        int n = WorkedExample.N;
        int b = WorkedExample.B;
        int[] types = c.types().typeIds();
        ConnectomeModel model = ConnectomeModel.of(c, u, allExcitatory, false, float32);
        double[] tau = new double[n];
        for (int i = 0; i < n; i++) {
            tau[i] = c.typeTau(types[i]);
        }
        double[] x = new double[WorkedExample.I * b];
        for (int s = 0; s < b; s++) {
            for (int k = 0; k < WorkedExample.I; k++) {
                x[k * b + s] = WorkedExample.X[s][k];
            }
        }
        StepSchedule schedule = StepSchedule.fixed(0, 1, 5, 40, 1);
        double[] last = new double[n * b];
        if (float32) {
            ConnectomeDynamics<float[]> f = ConnectomeDynamics.float32(model.operator(), SparseKernels.scalar());
            f.setParameters(model.effectiveWeights(), c.synapses().values(), null, tau, new double[n],
                    u.matrix().values());
            f.setInput(new double[][] {x}, b);
            new FixedStepSolver<float[]>(RungeKuttaMethod.DOPRI5, 0).forward(f, f.states(), schedule, null,
                    new float[n * b], (p, state, samples) -> {
                        if (p == 4) {
                            for (int e = 0; e < state.length; e++) {
                                last[e] = state[e];
                            }
                        }
                    }, null, null);
        } else {
            ConnectomeDynamics<double[]> f = ConnectomeDynamics.float64(model.operator(), SparseKernels.scalar());
            f.setParameters(model.effectiveWeights(), c.synapses().values(), null, tau, new double[n],
                    u.matrix().values());
            f.setInput(new double[][] {x}, b);
            new FixedStepSolver<double[]>(RungeKuttaMethod.DOPRI5, 0).forward(f, f.states(), schedule, null,
                    new double[n * b], (p, state, samples) -> {
                        if (p == 4) {
                            System.arraycopy(state, 0, last, 0, state.length);
                        }
                    }, null, null);
        }
        double[][] exact = allExcitatory ? WorkedExample.EXACT_ALL_EXCITATORY : WorkedExample.EXACT_DALE;
        for (int s = 0; s < b; s++) {
            for (int i = 0; i < n; i++) {
                assertEquals(exact[s][i], last[i * b + s], float32 ? 2e-6 : 1e-6, "sample " + s + " neuron " + i);
            }
        }
    }
}
