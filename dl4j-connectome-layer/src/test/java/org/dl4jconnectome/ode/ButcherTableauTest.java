package org.dl4jconnectome.ode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.IntToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped methods against the Runge–Kutta order conditions (Butcher's rooted trees, computed here from the
 * coefficients), and the tableau's own consistency checks.
 */
class ButcherTableauTest {

    static List<RungeKuttaMethod> methods() {
        return RungeKuttaMethod.values();
    }

    /** Vector helpers over the stages of one tableau. */
    private static final class Stages {
        final ButcherTableau t;
        final int s;

        Stages(ButcherTableau t) {
            this.t = t;
            this.s = t.stages();
        }

        double[] c() {
            double[] v = new double[s];
            for (int i = 0; i < s; i++) {
                v[i] = t.c(i);
            }
            return v;
        }

        /** (A v)_i = Σ_{j<i} a_ij v_j. */
        double[] a(double[] v) {
            double[] out = new double[s];
            for (int i = 0; i < s; i++) {
                for (int j = 0; j < i; j++) {
                    out[i] += t.a(i, j) * v[j];
                }
            }
            return out;
        }

        double[] times(double[] u, double[] v) {
            double[] out = new double[s];
            for (int i = 0; i < s; i++) {
                out[i] = u[i] * v[i];
            }
            return out;
        }

        double[] pow(double[] v, int k) {
            double[] out = new double[s];
            for (int i = 0; i < s; i++) {
                out[i] = Math.pow(v[i], k);
            }
            return out;
        }

        double dot(IntToDoubleFunction w, double[] v) {
            double sum = 0;
            for (int i = 0; i < s; i++) {
                sum += w.applyAsDouble(i) * v[i];
            }
            return sum;
        }

        /**
         * The elementary weights Φ and densities γ of all 17 rooted trees with up to 5 nodes; a method has order p
         * when Σ b_i Φ_i(t) = 1/γ(t) for every tree t with at most p nodes (given the row-sum condition c = A·1).
         */
        Tree[] trees() {
            double[] one = pow(c(), 0);
            double[] c = c();
            double[] ac = a(c);
            double[] ac2 = a(pow(c, 2));
            double[] aac = a(ac);
            return new Tree[] {
                new Tree("1", 1, one, 1),
                new Tree("c", 2, c, 2),
                new Tree("c^2", 3, pow(c, 2), 3),
                new Tree("Ac", 3, ac, 6),
                new Tree("c^3", 4, pow(c, 3), 4),
                new Tree("c.Ac", 4, times(c, ac), 8),
                new Tree("Ac^2", 4, ac2, 12),
                new Tree("AAc", 4, aac, 24),
                new Tree("c^4", 5, pow(c, 4), 5),
                new Tree("c^2.Ac", 5, times(pow(c, 2), ac), 10),
                new Tree("c.Ac^2", 5, times(c, ac2), 15),
                new Tree("c.AAc", 5, times(c, aac), 30),
                new Tree("(Ac)^2", 5, times(ac, ac), 20),
                new Tree("Ac^3", 5, a(pow(c, 3)), 20),
                new Tree("A(c.Ac)", 5, a(times(c, ac)), 40),
                new Tree("AAc^2", 5, a(ac2), 60),
                new Tree("AAAc", 5, a(aac), 120),
            };
        }
    }

    private record Tree(String name, int order, double[] phi, double gamma) {
    }

    @ParameterizedTest
    @MethodSource("methods")
    void rowSumsAndWeightSums(RungeKuttaMethod m) {
        ButcherTableau t = m.tableau();
        Stages st = new Stages(t);
        for (int i = 0; i < st.s; i++) {
            double sum = 0;
            for (int j = 0; j < i; j++) {
                sum += t.a(i, j);
            }
            assertEquals(t.c(i), sum, 1e-14, "row " + i);
        }
        assertEquals(1.0, st.dot(t::b, st.pow(st.c(), 0)), 1e-14);
        assertEquals(1.0, st.dot(i -> t.b(i) - t.errorWeight(i), st.pow(st.c(), 0)), 1e-14, "Σ bLow");
        assertEquals(0.0, st.dot(t::errorWeight, st.pow(st.c(), 0)), 1e-14, "the error weights sum to 0");
    }

    @ParameterizedTest
    @MethodSource("methods")
    void solutionWeightsHaveOrderFive(RungeKuttaMethod m) {
        ButcherTableau t = m.tableau();
        Stages st = new Stages(t);
        assertEquals(5, m.order());
        for (Tree tree : st.trees()) {
            assertEquals(1 / tree.gamma(), st.dot(t::b, tree.phi()), 1e-13, m + ": tree " + tree.name());
        }
    }

    @ParameterizedTest
    @MethodSource("methods")
    void embeddedWeightsHaveOrderFourButNotFive(RungeKuttaMethod m) {
        ButcherTableau t = m.tableau();
        Stages st = new Stages(t);
        IntToDoubleFunction bLow = i -> t.b(i) - t.errorWeight(i);
        boolean allOrderFive = true;
        for (Tree tree : st.trees()) {
            double residual = st.dot(bLow, tree.phi()) - 1 / tree.gamma();
            if (tree.order() <= 4) {
                assertEquals(0, residual, 1e-13, m + ": tree " + tree.name());
            } else if (Math.abs(residual) > 1e-6) {
                allOrderFive = false;
            }
        }
        assertFalse(allOrderFive, "the embedded solution must be of lower order, else its error estimate is void");
    }

    @ParameterizedTest
    @MethodSource("methods")
    void denseOutputInterpolatesToOrderFour(RungeKuttaMethod m) {
        // Σ w_i(θ) Φ_i(t) = θ^|t| / γ(t) for every tree of up to 4 nodes, at every θ.
        Stages st = new Stages(m.tableau());
        double[] w = new double[st.s];
        for (double theta : new double[] {0.1, 0.5, 0.77, 1.0}) {
            m.denseWeights(theta, w);
            for (Tree tree : st.trees()) {
                if (tree.order() <= 4) {
                    assertEquals(Math.pow(theta, tree.order()) / tree.gamma(), st.dot(i -> w[i], tree.phi()), 1e-13,
                            m + ": theta " + theta + ", tree " + tree.name());
                }
            }
        }
        m.denseWeights(0, w);
        for (double v : w) {
            assertEquals(0.0, v, 0.0, "theta = 0 gives the step's start");
        }
    }

    @ParameterizedTest
    @MethodSource("methods")
    void stageStructure(RungeKuttaMethod m) {
        ButcherTableau t = m.tableau();
        assertEquals(7, t.stages());
        assertEquals(0.0, t.c(0));
        assertTrue(t.isFsal(), "the last stage is the next step's first");
        assertEquals(6, t.solutionStages(), "b7 = 0: the seventh stage only serves the error estimate");
        assertTrue(t.hasErrorEstimate());
        for (int j = 0; j < t.stages() - 1; j++) {
            assertEquals(t.b(j), t.a(t.stages() - 1, j), 0);
        }
        assertEquals(m, RungeKuttaMethod.named(m.name().toUpperCase(java.util.Locale.ROOT)));
    }

    @Test
    void realStabilityLimitsAreTheKnownOnes() {
        // Hairer & Wanner's value for Dopri5's stability interval; Tsit5's from its stability polynomial.
        assertEquals(3.3066, RungeKuttaMethod.DOPRI5.realStabilityLimit(), 1e-4);
        assertEquals(3.5068, RungeKuttaMethod.TSIT5.realStabilityLimit(), 1e-4);
    }

    @Test
    void unknownMethodNamesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RungeKuttaMethod.named("rk45"));
        assertTrue(e.getMessage().contains("dopri5") && e.getMessage().contains("tsit5"), e.getMessage());
    }

    @Test
    void interpolantMustReproduceTheSolutionWeights() {
        ButcherTableau t = RungeKuttaMethod.DOPRI5.tableau();
        double[][] wrong = new double[7][1];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RungeKuttaMethod(t, wrong));
        assertTrue(e.getMessage().contains("at theta = 1"), e.getMessage());
    }

    // ---- custom tableaus ----

    private static final double[] RK4_C = {0, 0.5, 0.5, 1};
    private static final double[] RK4_B = {1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6};

    private static double[][] rk4A() {
        return new double[][] {{}, {0.5}, {0, 0.5}, {0, 0, 1}};
    }

    @Test
    void classicRk4IsAccepted() {
        ButcherTableau rk4 = new ButcherTableau("rk4", 4, RK4_C, rk4A(), RK4_B, null);
        assertEquals(4, rk4.stages());
        assertEquals(4, rk4.solutionStages());
        assertFalse(rk4.isFsal());
        assertFalse(rk4.hasErrorEstimate());
    }

    @Test
    void trailingZeroWeightsAreNotSolutionStages() {
        // Heun–Euler with an FSAL third stage: b = (1/2, 1/2, 0).
        ButcherTableau heun = new ButcherTableau("heun", 2, new double[] {0, 1, 1},
                new double[][] {{}, {1}, {0.5, 0.5}}, new double[] {0.5, 0.5, 0}, new double[] {1, 0, 0});
        assertEquals(2, heun.solutionStages());
        assertTrue(heun.isFsal());
    }

    @Test
    void tableauCopiesItsInput() {
        double[] b = RK4_B.clone();
        double[][] a = rk4A();
        ButcherTableau rk4 = new ButcherTableau("rk4", 4, RK4_C.clone(), a, b, null);
        b[0] = 5;
        a[1][0] = 7;
        assertEquals(1.0 / 6, rk4.b(0));
        assertEquals(0.5, rk4.a(1, 0));
    }

    @Test
    void wrongRowSumIsRejected() {
        double[][] a = rk4A();
        a[2][1] = 0.4;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, RK4_C, a, RK4_B, null));
        assertTrue(e.getMessage().contains("row 2 of a sums to"), e.getMessage());
    }

    @Test
    void wrongWeightSumsAreRejected() {
        double[] b = {0.2, 1.0 / 3, 1.0 / 3, 1.0 / 6};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, RK4_C, rk4A(), b, null));
        assertTrue(e.getMessage().contains("b sums to"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, RK4_C, rk4A(), RK4_B, new double[] {0.5, 0, 0, 0}));
        assertTrue(e.getMessage().contains("bLow sums to"), e.getMessage());
    }

    @Test
    void nonLowerTriangularRowIsRejected() {
        double[][] a = {{}, {0.5}, {0, 0.25, 0.25}, {0, 0, 1}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, RK4_C, a, RK4_B, null));
        assertTrue(e.getMessage().contains("strictly lower triangular"), e.getMessage());
        double[][] implicitFirst = {{0.0}, {0.5}, {0, 0.5}, {0, 0, 1}};
        assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, RK4_C, implicitFirst, RK4_B, null));
    }

    @Test
    void otherInconsistenciesAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, new double[] {0.1, 0.5, 0.5, 1}, rk4A(), RK4_B, null));
        assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, RK4_C, rk4A(), new double[] {0.5, 0.5}, null));
        assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, RK4_C, rk4A(), RK4_B, new double[] {0.5}));
        assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 0, RK4_C, rk4A(), RK4_B, null));
        assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 1, new double[0], new double[0][], new double[0], null));
    }
}
