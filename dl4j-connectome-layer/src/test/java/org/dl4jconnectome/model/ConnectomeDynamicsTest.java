package org.dl4jconnectome.model;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.kernels.BlockedCsr;
import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.ode.ButcherTableau;
import org.dl4jconnectome.ode.RungeKuttaMethod;
import org.dl4jconnectome.ode.StepSchedule;
import org.dl4jconnectome.ode.UnrolledRungeKutta;
import org.dl4jconnectome.testutil.WorkedExample;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConnectomeDynamicsTest {

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void workedExampleMatchesExactSolution(boolean allExcitatory) {
        Connectome c = WorkedExample.connectome();
        InputProjection u = WorkedExample.inputProjection();
        int n = WorkedExample.N;
        int b = WorkedExample.B;
        int[] types = c.types().typeIds();
        Nonlinearity[] phi = {Nonlinearity.SIGMOID, Nonlinearity.SIGMOID};
        ConnectomeDynamics f = new ConnectomeDynamics(c.synapses(), u.matrix(), types, phi, SparseKernels.scalar(),
                false, BlockedCsr.DEFAULT_BLOCK_WIDTH);
        EffectiveWeights ew = new EffectiveWeights(c, allExcitatory, false);
        double[] eff = new double[c.numSynapses()];
        ew.compute(c.synapses().values(), null, eff);
        double[] tau = new double[n];
        for (int i = 0; i < n; i++) {
            tau[i] = c.typeTau(types[i]);
        }
        f.setParameters(eff, tau, new double[n], u.matrix().values());
        double[] x = new double[WorkedExample.I * b];
        for (int s = 0; s < b; s++) {
            for (int k = 0; k < WorkedExample.I; k++) {
                x[k * b + s] = WorkedExample.X[s][k];
            }
        }
        f.setInput(new double[][] {x}, b);
        StepSchedule schedule = StepSchedule.fixed(0, 1, 5, 40, 1);
        double[][] points = new double[5][n * b];
        new UnrolledRungeKutta(RungeKuttaMethod.DOPRI5.tableau()).forward(f, schedule, new double[n * b], points, null);
        double[][] exact = allExcitatory ? WorkedExample.EXACT_ALL_EXCITATORY : WorkedExample.EXACT_DALE;
        for (int s = 0; s < b; s++) {
            for (int i = 0; i < n; i++) {
                assertEquals(exact[s][i], points[4][i * b + s], 1e-6, "sample " + s + " neuron " + i);
            }
        }
    }
}
