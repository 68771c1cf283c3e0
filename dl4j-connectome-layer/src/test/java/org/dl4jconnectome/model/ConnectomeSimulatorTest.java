package org.dl4jconnectome.model;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.ode.SolverSpec;
import org.dl4jconnectome.ode.SolverStats;
import org.dl4jconnectome.ode.StepSchedule;
import org.dl4jconnectome.testutil.HipparchusReference;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.dl4jconnectome.testutil.WorkedExample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectomeSimulatorTest {

    private static double[] workedInput() {
        double[] x = new double[WorkedExample.B * WorkedExample.I];
        for (int b = 0; b < WorkedExample.B; b++) {
            for (int k = 0; k < WorkedExample.I; k++) {
                x[b * WorkedExample.I + k] = WorkedExample.X[b][k];
            }
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void adaptiveSolverReproducesTorchodeOnTheWorkedExample(boolean allExcitatory) {
        ConnectomeSimulator sim = ConnectomeSimulator.builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).allExcitatory(allExcitatory).build();
        Simulation s = sim.simulate(workedInput(), WorkedExample.B, 1, 0, 1, 5,
                SolverSpec.adaptive(), null);
        SolverStats stats = s.stats();
        double[][] torchode = allExcitatory ? WorkedExample.TORCHODE_ALL_EXCITATORY : WorkedExample.TORCHODE_DALE;
        double[][] exact = allExcitatory ? WorkedExample.EXACT_ALL_EXCITATORY : WorkedExample.EXACT_DALE;
        // torchode reports the batch's steps (the slowest sample's) and its vector-field calls.
        assertEquals(WorkedExample.TORCHODE_STEPS, stats.maxAcceptedSteps(), stats.toString());
        assertEquals(0, stats.totalRejectedSteps(), stats.toString());
        assertEquals(WorkedExample.TORCHODE_EVALUATIONS, stats.evaluationCalls(), stats.toString());
        assertEquals(WorkedExample.TORCHODE_EVALUATIONS, stats.maxEvaluations(), stats.toString());
        for (int b = 0; b < WorkedExample.B; b++) {
            for (int i = 0; i < WorkedExample.N; i++) {
                assertEquals(0.0, s.state(b, i, 0), 0.0, "the first point is h0 exactly");
                // Same algorithm as torchode: same values up to the 7 printed decimals.
                assertEquals(torchode[b][i], s.state(b, i, 4), 1e-7, "sample " + b + ", neuron " + i);
                assertEquals(exact[b][i], s.state(b, i, 4), 5e-5, "sample " + b + ", neuron " + i);
            }
        }
    }

    /** Max error against Hipparchus at 1e-12 over points, neurons and samples. */
    private static double errorVsReference(SolverSpec settings, int segments, long seed) {
        return errorVsReference(settings, segments, seed, 1.0);
    }

    private static double errorVsReference(SolverSpec settings, int segments, long seed,
                                           double inputScale) {
        int n = 16;
        int inputs = 4;
        int batch = 3;
        Random rnd = new Random(seed);
        Connectome c = RandomConnectomes.typed(seed, n, 0.3, 2, false, Nonlinearity.SIGMOID, Nonlinearity.SOFTPLUS);
        InputProjection u = InputProjection.of(RandomConnectomes.matrix(rnd, n, inputs, 0.5, -1, 1));
        ConnectomeSimulator sim = ConnectomeSimulator.builder().connectome(c).inputProjection(u).build();
        double[] x = new double[batch * inputs * segments];
        for (int i = 0; i < x.length; i++) {
            x[i] = inputScale * rnd.nextGaussian();
        }
        double t1 = 3.0;
        int points = 7;
        Simulation s = sim.simulate(x, batch, segments, 0, t1, points, settings, null);
        double[][] a = c.signedSynapses().toDense();
        double[] tau = new double[n];
        Nonlinearity[] phi = new Nonlinearity[n];
        for (int i = 0; i < n; i++) {
            tau[i] = c.typeTau(c.types().typeOf(i));
            phi[i] = c.typeNonlinearity(c.types().typeOf(i));
        }
        double worst = 0;
        for (int b = 0; b < batch; b++) {
            double[][] xs = new double[segments][inputs];
            for (int k = 0; k < inputs; k++) {
                for (int seg = 0; seg < segments; seg++) {
                    xs[seg][k] = x[(b * inputs + k) * segments + seg];
                }
            }
            double[][] ref = HipparchusReference.solve(a, u.matrix().toDense(), new double[n], tau, phi, xs,
                    new double[n], StepSchedule.evaluationPoints(0, t1, points), 1e-12);
            for (int p = 0; p < points; p++) {
                for (int i = 0; i < n; i++) {
                    worst = Math.max(worst, Math.abs(ref[p][i] - s.state(b, i, p)));
                }
            }
        }
        return worst;
    }

    @Test
    void adaptiveMatchesHipparchusAtTightTolerance() {
        double err = errorVsReference(SolverSpec.adaptive(1e-11, 1e-11).withMaxSteps(100_000), 5, 3);
        assertTrue(err < 1e-8, "max error " + err);
    }

    @Test
    void breakpointsKeepDefaultToleranceErrorSmallOnPiecewiseConstantInput() {
        for (long seed = 1; seed <= 6; seed++) {
            for (double scale : new double[] {1, 2}) {
                double ours = errorVsReference(SolverSpec.adaptive(), 7, seed, scale);
                double straddling = errorVsReference(SolverSpec.adaptive().withBreakpoints(false), 7, seed, scale);
                assertTrue(ours <= 1e-3, "seed " + seed + ", input scale " + scale + ": max error " + ours
                        + " at default tolerances");
                // Steps straddling the jumps (torchode's way) are far less accurate at the same tolerances.
                assertTrue(straddling > 10 * ours, "seed " + seed + ": straddling error " + straddling + " vs " + ours);
            }
        }
    }

    @Test
    void fixedStepsMatchHipparchus() {
        double err = errorVsReference(SolverSpec.fixed(32), 5, 6);
        assertTrue(err < 1e-8, "max error " + err);
    }

    @Test
    void stepBudgetGivesAClearError() {
        ConnectomeSimulator sim = ConnectomeSimulator.builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> sim.simulate(workedInput(),
                WorkedExample.B, 1, 0, 1, 5, SolverSpec.adaptive(1e-12, 1e-12).withMaxSteps(10), null));
        assertTrue(e.getMessage().contains("step budget of 10"), e.getMessage());
        assertTrue(e.getMessage().contains("sample 0"), e.getMessage());
    }

    @Test
    void badInputIsRejected() {
        ConnectomeSimulator sim = ConnectomeSimulator.builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection()).build();
        double[] x = workedInput();
        x[4] = Double.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sim.simulate(x,
                WorkedExample.B, 1, 0, 1, 5, SolverSpec.fixed(1), null));
        assertTrue(e.getMessage().contains("input value 4 is NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> sim.simulate(new double[5], 2, 1, 0, 1, 5,
                SolverSpec.fixed(1), null));
        assertThrows(IllegalArgumentException.class, () -> SolverSpec.adaptive(-1, 1e-3).withMaxSteps(10));
    }
}
