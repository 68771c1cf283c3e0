package org.dl4jconnectome.ode;

import org.junit.jupiter.api.Test;

import java.util.function.IntToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ButcherTableauTest {
    private static final ButcherTableau T = ButcherTableau.DOPRI5;
    private static final int S = T.stages();

    // ---- vector helpers over the stages of T ----

    private static double[] c() {
        double[] v = new double[S];
        for (int i = 0; i < S; i++) {
            v[i] = T.c(i);
        }
        return v;
    }

    /** (A v)_i = Σ_{j<i} a_ij v_j. */
    private static double[] a(double[] v) {
        double[] out = new double[S];
        for (int i = 0; i < S; i++) {
            for (int j = 0; j < i; j++) {
                out[i] += T.a(i, j) * v[j];
            }
        }
        return out;
    }

    private static double[] times(double[] u, double[] v) {
        double[] out = new double[S];
        for (int i = 0; i < S; i++) {
            out[i] = u[i] * v[i];
        }
        return out;
    }

    private static double[] pow(double[] v, int k) {
        double[] out = new double[S];
        for (int i = 0; i < S; i++) {
            out[i] = Math.pow(v[i], k);
        }
        return out;
    }

    private static double dot(IntToDoubleFunction w, double[] v) {
        double s = 0;
        for (int i = 0; i < S; i++) {
            s += w.applyAsDouble(i) * v[i];
        }
        return s;
    }

    /**
     * The elementary weights Φ and densities γ of all 17 rooted trees with up to 5 nodes; a method has order p
     * when Σ b_i Φ_i(t) = 1/γ(t) for every tree t with at most p nodes (given the row-sum condition c = A·1).
     */
    private static final class Tree {
        final int order;
        final double[] phi;
        final double gamma;
        final String name;

        Tree(String name, int order, double[] phi, double gamma) {
            this.name = name;
            this.order = order;
            this.phi = phi;
            this.gamma = gamma;
        }
    }

    private static Tree[] trees() {
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

    @Test
    void dopri5RowSumsAndWeightSums() {
        for (int i = 0; i < S; i++) {
            double sum = 0;
            for (int j = 0; j < i; j++) {
                sum += T.a(i, j);
            }
            assertEquals(T.c(i), sum, 1e-14, "row " + i);
        }
        assertEquals(1.0, dot(T::b, pow(c(), 0)), 1e-14);
        assertEquals(1.0, dot(i -> T.b(i) - T.errorWeight(i), pow(c(), 0)), 1e-14, "Σ bLow");
        assertEquals(0.0, dot(T::errorWeight, pow(c(), 0)), 1e-14, "the error weights sum to 0");
    }

    @Test
    void dopri5SolutionWeightsHaveOrderFive() {
        for (int k = 0; k <= 4; k++) {
            assertEquals(1.0 / (k + 1), dot(T::b, pow(c(), k)), 1e-14, "Σ b c^" + k);
        }
        for (Tree t : trees()) {
            assertEquals(1 / t.gamma, dot(T::b, t.phi), 1e-14, "tree " + t.name);
        }
    }

    @Test
    void dopri5EmbeddedWeightsHaveOrderFourButNotFive() {
        IntToDoubleFunction bLow = i -> T.b(i) - T.errorWeight(i);
        boolean allOrderFive = true;
        for (Tree t : trees()) {
            double residual = dot(bLow, t.phi) - 1 / t.gamma;
            if (t.order <= 4) {
                assertEquals(0, residual, 1e-14, "tree " + t.name);
            } else if (Math.abs(residual) > 1e-6) {
                allOrderFive = false;
            }
        }
        assertFalse(allOrderFive, "the embedded solution must be of lower order, else its error estimate is void");
    }

    @Test
    void dopri5MidpointWeightsInterpolateToOrderFour() {
        // Dense output at θ = 1/2: Σ bMid_i Φ_i(t) = θ^|t| / γ(t) for every tree of up to 4 nodes.
        assertTrue(T.hasMidpoint());
        for (Tree t : trees()) {
            if (t.order <= 4) {
                assertEquals(Math.pow(0.5, t.order) / t.gamma, dot(T::bMid, t.phi), 1e-13, "tree " + t.name);
            }
        }
    }

    @Test
    void dopri5StageStructure() {
        assertEquals("dopri5", T.name());
        assertEquals(5, T.order());
        assertEquals(7, S);
        assertEquals(0.0, T.c(0));
        assertTrue(T.isFsal(), "Dopri5's last stage is the next step's first");
        assertEquals(6, T.solutionStages(), "b7 = 0: the seventh stage only serves the error estimate");
        assertTrue(T.hasErrorEstimate());
        for (int j = 0; j < S - 1; j++) {
            assertEquals(T.b(j), T.a(S - 1, j), 0);
        }
    }

    // ---- custom tableaus ----

    private static final double[] RK4_C = {0, 0.5, 0.5, 1};
    private static final double[] RK4_B = {1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6};

    private static double[][] rk4A() {
        return new double[][] {{}, {0.5}, {0, 0.5}, {0, 0, 1}};
    }

    @Test
    void classicRk4IsAccepted() {
        ButcherTableau rk4 = new ButcherTableau("rk4", 4, RK4_C, rk4A(), RK4_B, null, null);
        assertEquals(4, rk4.stages());
        assertEquals(4, rk4.solutionStages());
        assertFalse(rk4.isFsal());
        assertFalse(rk4.hasErrorEstimate());
        assertFalse(rk4.hasMidpoint());
    }

    @Test
    void trailingZeroWeightsAreNotSolutionStages() {
        // Heun–Euler with an FSAL third stage: b = (1/2, 1/2, 0).
        ButcherTableau heun = new ButcherTableau("heun", 2, new double[] {0, 1, 1},
                new double[][] {{}, {1}, {0.5, 0.5}}, new double[] {0.5, 0.5, 0}, new double[] {1, 0, 0}, null);
        assertEquals(2, heun.solutionStages());
        assertTrue(heun.isFsal());
    }

    @Test
    void tableauCopiesItsInput() {
        double[] b = RK4_B.clone();
        double[][] a = rk4A();
        ButcherTableau rk4 = new ButcherTableau("rk4", 4, RK4_C.clone(), a, b, null, null);
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
                () -> new ButcherTableau("bad", 4, RK4_C, a, RK4_B, null, null));
        assertTrue(e.getMessage().contains("row 2 of a sums to"), e.getMessage());
    }

    @Test
    void wrongWeightSumsAreRejected() {
        double[] b = {0.2, 1.0 / 3, 1.0 / 3, 1.0 / 6};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, RK4_C, rk4A(), b, null, null));
        assertTrue(e.getMessage().contains("b sums to"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, RK4_C, rk4A(), RK4_B, new double[] {0.5, 0, 0, 0}, null));
        assertTrue(e.getMessage().contains("bLow sums to"), e.getMessage());
    }

    @Test
    void nonLowerTriangularRowIsRejected() {
        double[][] a = {{}, {0.5}, {0, 0.25, 0.25}, {0, 0, 1}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, RK4_C, a, RK4_B, null, null));
        assertTrue(e.getMessage().contains("strictly lower triangular"), e.getMessage());
        double[][] implicitFirst = {{0.0}, {0.5}, {0, 0.5}, {0, 0, 1}};
        assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, RK4_C, implicitFirst, RK4_B, null, null));
    }

    @Test
    void otherInconsistenciesAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, new double[] {0.1, 0.5, 0.5, 1}, rk4A(), RK4_B, null, null));
        assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, RK4_C, rk4A(), new double[] {0.5, 0.5}, null, null));
        assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 4, RK4_C, rk4A(), RK4_B, null, new double[] {0.5}));
        assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 0, RK4_C, rk4A(), RK4_B, null, null));
        assertThrows(IllegalArgumentException.class,
                () -> new ButcherTableau("bad", 1, new double[0], new double[0][], new double[0], null, null));
    }
}
