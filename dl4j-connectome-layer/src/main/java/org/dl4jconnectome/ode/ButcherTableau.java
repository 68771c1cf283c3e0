package org.dl4jconnectome.ode;

import java.util.Arrays;
import java.util.Objects;

/**
 * The coefficients of an explicit Runge–Kutta method with an embedded lower-order solution, as plain data that
 * checks its own consistency when built: a strictly lower triangular, row sums of a equal to c, c[0] = 0, and both
 * weight vectors summing to 1 (so that the methods are at least first-order). A {@link RungeKuttaMethod} adds the
 * dense-output interpolant.
 */
public final class ButcherTableau {
    private static final double TOLERANCE = 1e-12;

    private final String name;
    private final int order;
    private final double[] c;
    private final double[][] a;
    private final double[] b;
    private final double[] bLow;

    /**
     * @param name  a label
     * @param order convergence order of the b solution
     * @param c     nodes (s stages)
     * @param a     rows 0..s-1, row i holding i coefficients
     * @param b     solution weights (s)
     * @param bLow  embedded lower-order weights (s), or null for a method without error estimate
     * @throws IllegalArgumentException if the coefficients are inconsistent
     */
    public ButcherTableau(String name, int order, double[] c, double[][] a, double[] b, double[] bLow) {
        this.name = Objects.requireNonNull(name, "name");
        Objects.requireNonNull(c, "c");
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        int s = c.length;
        if (s < 1 || order < 1) {
            throw new IllegalArgumentException(name + ": expected at least one stage and order >= 1, got " + s
                    + " stages and order " + order);
        }
        if (a.length != s || b.length != s || (bLow != null && bLow.length != s)) {
            throw new IllegalArgumentException(name + ": a, b and bLow must have one entry per stage (" + s + ")");
        }
        if (c[0] != 0) {
            throw new IllegalArgumentException(name + ": c[0] = " + c[0] + ", expected 0 for an explicit method");
        }
        for (int i = 0; i < s; i++) {
            if (a[i].length != i) {
                throw new IllegalArgumentException(name + ": row " + i + " of a has " + a[i].length
                        + " coefficients, expected " + i + " (strictly lower triangular)");
            }
            double sum = 0;
            for (double v : a[i]) {
                sum += v;
            }
            if (Math.abs(sum - c[i]) > TOLERANCE) {
                throw new IllegalArgumentException(name + ": row " + i + " of a sums to " + sum + " but c[" + i
                        + "] = " + c[i]);
            }
        }
        checkSumsToOne(name, "b", b);
        if (bLow != null) {
            checkSumsToOne(name, "bLow", bLow);
        }
        this.order = order;
        this.c = c.clone();
        this.a = new double[s][];
        for (int i = 0; i < s; i++) {
            this.a[i] = a[i].clone();
        }
        this.b = b.clone();
        this.bLow = bLow == null ? null : bLow.clone();
    }

    private static void checkSumsToOne(String name, String what, double[] w) {
        double sum = 0;
        for (double v : w) {
            sum += v;
        }
        if (Math.abs(sum - 1) > TOLERANCE) {
            throw new IllegalArgumentException(name + ": " + what + " sums to " + sum + ", expected 1");
        }
    }

    public String name() {
        return name;
    }

    public int order() {
        return order;
    }

    public int stages() {
        return c.length;
    }

    public double c(int i) {
        return c[i];
    }

    public double a(int i, int j) {
        return a[i][j];
    }

    public double b(int i) {
        return b[i];
    }

    public boolean hasErrorEstimate() {
        return bLow != null;
    }

    /** b[i] − bLow[i], the weights of the local error estimate. */
    public double errorWeight(int i) {
        return b[i] - bLow[i];
    }

    /**
     * First same as last: the last stage is evaluated at the new solution (c = 1, last row of a = b), so it is the
     * next step's first stage.
     */
    public boolean isFsal() {
        int s = stages();
        if (c[s - 1] != 1 || b[s - 1] != 0) {
            return false;
        }
        for (int j = 0; j < s - 1; j++) {
            if (Math.abs(a[s - 1][j] - b[j]) > TOLERANCE) {
                return false;
            }
        }
        return true;
    }

    /**
     * Number of leading stages the b solution needs: stages after the last non-zero weight only serve the error
     * estimate (6 of Dopri5's 7).
     */
    public int solutionStages() {
        int last = stages() - 1;
        while (last > 0 && b[last] == 0) {
            last--;
        }
        return last + 1;
    }

    @Override
    public String toString() {
        return "ButcherTableau[" + name + ", " + stages() + " stages, order " + order + ", c=" + Arrays.toString(c)
                + "]";
    }
}
