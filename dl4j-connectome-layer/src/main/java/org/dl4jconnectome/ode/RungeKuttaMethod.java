package org.dl4jconnectome.ode;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An explicit embedded Runge–Kutta method as data: its {@link ButcherTableau} (with the embedded error weights) and
 * its dense-output interpolant
 * <pre>
 *   y(t + θh) = y(t) + h Σ_i w_i(θ) k_i,    w_i(θ) = Σ_p dense[i][p] θ^(p+1),  θ ∈ [0, 1]
 * </pre>
 * (a polynomial per stage without constant term, equal to the solution weights b_i at θ = 1, which the constructor
 * checks). The solvers take a method and nothing else about it: adding a method is a new constant here.
 * Immutable.
 */
public final class RungeKuttaMethod {
    private static final double TOLERANCE = 1e-12;

    /**
     * Dormand–Prince 5(4) (Dormand &amp; Prince 1980) with torchode's embedded 4th-order weights and its 4th-order
     * interpolant through the step's midpoint (the solver bioplnn uses).
     */
    public static final RungeKuttaMethod DOPRI5 = dopri5();

    /**
     * Tsitouras 5(4) (Tsitouras 2011), diffrax's recommended default: seven stages with FSAL, an embedded 4th-order
     * estimate and its own interpolant; coefficients as in diffrax.
     */
    public static final RungeKuttaMethod TSIT5 = tsit5();

    private static final List<RungeKuttaMethod> ALL = List.of(DOPRI5, TSIT5);

    private final ButcherTableau tableau;
    private final double[][] dense;
    private final double stabilityLimit;

    /**
     * @param tableau an explicit tableau with an error estimate
     * @param dense   dense[i][p]: coefficient of θ^(p+1) in stage i's interpolation weight (one row per stage)
     * @throws IllegalArgumentException if the tableau has no error estimate or the interpolant does not reproduce
     *                                  the solution weights at θ = 1
     */
    public RungeKuttaMethod(ButcherTableau tableau, double[][] dense) {
        this.tableau = Objects.requireNonNull(tableau, "tableau");
        Objects.requireNonNull(dense, "dense");
        String name = tableau.name();
        if (!tableau.hasErrorEstimate()) {
            throw new IllegalArgumentException(name + ": an embedded method needs error weights");
        }
        if (dense.length != tableau.stages()) {
            throw new IllegalArgumentException(name + ": the interpolant has " + dense.length
                    + " rows, expected one per stage (" + tableau.stages() + ")");
        }
        this.dense = new double[dense.length][];
        for (int i = 0; i < dense.length; i++) {
            this.dense[i] = dense[i].clone();
            double atOne = 0;
            for (double v : dense[i]) {
                atOne += v;
            }
            if (Math.abs(atOne - tableau.b(i)) > TOLERANCE) {
                throw new IllegalArgumentException(name + ": the interpolation weight of stage " + i + " is " + atOne
                        + " at theta = 1, expected b = " + tableau.b(i));
            }
        }
        this.stabilityLimit = realStabilityLimit(tableau);
    }

    /** The methods this library ships, by {@link #name()}. */
    public static List<RungeKuttaMethod> values() {
        return ALL;
    }

    /**
     * The shipped method of that name, in any case ("dopri5", "tsit5").
     *
     * @throws IllegalArgumentException for another name, listing the known ones
     */
    public static RungeKuttaMethod named(String name) {
        for (RungeKuttaMethod m : ALL) {
            if (m.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown Runge-Kutta method '" + name + "': expected one of "
                + ALL.stream().map(RungeKuttaMethod::name).toList());
    }

    public String name() {
        return tableau.name();
    }

    public ButcherTableau tableau() {
        return tableau;
    }

    /** Convergence order of the solution (the step-size controller's exponent is 1/order). */
    public int order() {
        return tableau.order();
    }

    public int stages() {
        return tableau.stages();
    }

    /**
     * The interpolation weights w_i(θ) of every stage at θ ∈ [0, 1] into {@code out} (length {@link #stages()}): the
     * state at t + θh is y + h Σ w_i k_i.
     */
    public void denseWeights(double theta, double[] out) {
        for (int i = 0; i < dense.length; i++) {
            double w = 0;
            for (int p = dense[i].length - 1; p >= 0; p--) {
                w = (w + dense[i][p]) * theta;
            }
            out[i] = w;
        }
    }

    /**
     * The end of the method's stability interval on the negative real axis: a fixed step h is stable for the decay
     * y' = −y/τ when h/τ ≤ this value (about 3.31 for Dopri5, 3.5 for Tsit5).
     */
    public double realStabilityLimit() {
        return stabilityLimit;
    }

    /** |R(−x)| of the stability function, by one step of y' = λy with hλ = −x from y = 1. */
    private static double amplification(ButcherTableau t, double x) {
        int s = t.solutionStages();
        double[] g = new double[s];
        double y = 1;
        for (int i = 0; i < s; i++) {
            double acc = 1;
            for (int j = 0; j < i; j++) {
                acc += -x * t.a(i, j) * g[j];
            }
            g[i] = acc;
            y += -x * t.b(i) * g[i];
        }
        return Math.abs(y);
    }

    private static double realStabilityLimit(ButcherTableau t) {
        double step = 1e-3;
        double x = step;
        while (x < 100 && amplification(t, x) <= 1) {
            x += step;
        }
        double lo = x - step;
        double hi = x;
        for (int i = 0; i < 60; i++) {
            double mid = 0.5 * (lo + hi);
            if (amplification(t, mid) <= 1) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Override
    public String toString() {
        return name();
    }

    private static RungeKuttaMethod dopri5() {
        double[] b = {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0};
        ButcherTableau t = new ButcherTableau("dopri5", 5,
                new double[] {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1},
                new double[][] {
                    {},
                    {1.0 / 5},
                    {3.0 / 40, 9.0 / 40},
                    {44.0 / 45, -56.0 / 15, 32.0 / 9},
                    {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
                    {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
                    Arrays.copyOf(b, 6),
                },
                b,
                new double[] {1951.0 / 21600, 0, 22642.0 / 50085, 451.0 / 720, -12231.0 / 42400, 649.0 / 6300,
                    1.0 / 60});
        // torchode's interpolant: the quartic through y0, y1 and the midpoint ym = y0 + h Σ m_i k_i with the end
        // slopes k_0 and k_6. In increments of h·k, with B = b and M = m (the y0 terms cancel):
        //   w(θ) = θ e0 + θ² (e6 − 4e0 − 5B + 16M) + θ³ (5e0 − 3e6 + 14B − 32M) + θ⁴ (2e6 − 2e0 − 8B + 16M).
        double[] m = {6025192743.0 / 30085553152.0 / 2, 0, 51252292925.0 / 65400821598.0 / 2,
            -2691868925.0 / 45128329728.0 / 2, 187940372067.0 / 1594534317056.0 / 2,
            -1776094331.0 / 19743644256.0 / 2, 11237099.0 / 235043384.0 / 2};
        double[][] dense = new double[7][4];
        for (int i = 0; i < 7; i++) {
            double e0 = i == 0 ? 1 : 0;
            double e6 = i == 6 ? 1 : 0;
            dense[i][0] = e0;
            dense[i][1] = e6 - 4 * e0 - 5 * b[i] + 16 * m[i];
            dense[i][2] = 5 * e0 - 3 * e6 + 14 * b[i] - 32 * m[i];
            dense[i][3] = 2 * e6 - 2 * e0 - 8 * b[i] + 16 * m[i];
        }
        return new RungeKuttaMethod(t, dense);
    }

    private static RungeKuttaMethod tsit5() {
        double[] b = {0.09646076681806522951816731316512876333711995238157997181903319145764851595234062815396,
            0.01, 0.4798896504144995747752495322905965199130404621990332488332634944254542060153074523509,
            1.379008574103741893192274821856872770756462643091360525934940067397245698027561293331,
            -3.290069515436080679901047585711363850115683290894936158531296799594813811049925401677,
            2.324710524099773982415355918398765796109060233222962411944060046314465391054716027841, 0};
        double[] bHat = {0.09468075576583945807478876255758922856117527357724631226139574065785592789071067303271,
            0.009183565540343253096776363936645313759813746240984095238905939532922955247253608687270,
            0.4877705284247615707855642599631228241516691959761363774365216240304071651579571959813,
            1.234297566930478985655109673884237654035539930748192848315425833500484878378061439761,
            -2.707712349983525454881109975059321670689605166938197378763992255714444407154902012702,
            1.866628418170587035753719399566211498666255505244122593996591602841258328965767580089, 1.0 / 66};
        ButcherTableau t = new ButcherTableau("tsit5", 5,
                new double[] {0, 0.161, 0.327, 0.9, 0.9800255409045096857298102862870245954942137979563024768854764293221,
                    1, 1},
                new double[][] {
                    {},
                    {0.161},
                    {-0.008480655492356988544426874250230774675121177393430391537369234245294192976164141156943,
                        0.3354806554923569885444268742502307746751211773934303915373692342452941929761641411569},
                    {2.897153057105493432130432594192938764924887287701866490314866693455023795137503079289,
                        -6.359448489975074843148159912383825625952700647415626703305928850207288721235210244366,
                        4.362295432869581411017727318190886861027813359713760212991062156752264926097707165077},
                    {5.325864828439256604428877920840511317836476253097040101202360397727981648835607691791,
                        -11.74888356406282787774717033978577296188744178259862899288666928009020615663593781589,
                        7.495539342889836208304604784564358155658679161518186721010132816213648793440552049753,
                        -0.09249506636175524925650207933207191611349983406029535244034750452930469056411389539635},
                    {5.861455442946420028659251486982647890394337666164814434818157239052507339770711679748,
                        -12.92096931784710929170611868178335939541780751955743459166312250439928519268343184452,
                        8.159367898576158643180400794539253485181918321135053305748355423955009222648673734986,
                        -0.07158497328140099722453054252582973869127213147363544882721139659546372402303777878835,
                        -0.02826905039406838290900305721271224146717633626879770007617876201276764571291579142206},
                    Arrays.copyOf(b, 6),
                },
                b, bHat);
        // Tsitouras' interpolation weights in factored form (as diffrax writes them), expanded to powers of θ.
        double[][] dense = {
            Poly.of(-1.0530884977290216).timesRoot(0).timesRoot(1.3299890189751412)
                    .times(0.7139816917074209, -1.4364028541716351, 1).tail(),
            Poly.of(0.1017).timesRoot(0).timesRoot(0).times(1.2949852507374631, -2.1966568338249754, 1).tail(),
            Poly.of(2.490627285651252793).timesRoot(0).timesRoot(0)
                    .times(1.57803468208092486, -2.38535645472061657, 1).tail(),
            Poly.of(-16.54810288924490272).timesRoot(1.21712927295533244).timesRoot(0.61620406037800089)
                    .timesRoot(0).timesRoot(0).tail(),
            Poly.of(47.37952196281928122).timesRoot(1.203071208372362603).timesRoot(0.658047292653547382)
                    .timesRoot(0).timesRoot(0).tail(),
            Poly.of(-34.87065786149660974).timesRoot(1.2).timesRoot(2.0 / 3).timesRoot(0).timesRoot(0).tail(),
            Poly.of(2.5).timesRoot(1).timesRoot(0.6).timesRoot(0).timesRoot(0).tail(),
        };
        return new RungeKuttaMethod(t, dense);
    }

    /** Power-basis polynomials for writing interpolants down (coefficient p of θ^p). */
    private record Poly(double[] c) {
        static Poly of(double constant) {
            return new Poly(new double[] {constant});
        }

        /** This · (θ − r). */
        Poly timesRoot(double r) {
            return times(-r, 1);
        }

        /** This · (q0 + q1 θ + q2 θ² + …). */
        Poly times(double... q) {
            double[] out = new double[c.length + q.length - 1];
            for (int i = 0; i < c.length; i++) {
                for (int j = 0; j < q.length; j++) {
                    out[i + j] += c[i] * q[j];
                }
            }
            return new Poly(out);
        }

        /** The coefficients of θ¹, θ², … (the constant term of an interpolation weight is 0). */
        double[] tail() {
            if (Math.abs(c[0]) > 1e-15) {
                throw new IllegalStateException("an interpolation weight must vanish at theta = 0");
            }
            return Arrays.copyOfRange(c, 1, c.length);
        }
    }
}
