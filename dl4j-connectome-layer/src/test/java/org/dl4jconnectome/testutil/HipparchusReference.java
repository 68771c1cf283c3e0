package org.dl4jconnectome.testutil;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.hipparchus.ode.ODEState;
import org.hipparchus.ode.OrdinaryDifferentialEquation;
import org.hipparchus.ode.nonstiff.DormandPrince54Integrator;

/**
 * An independent float64 solution of the model with Hipparchus' adaptive Dormand–Prince 5(4), from a dense copy of
 * the effective weights. Integration restarts at every input-bin edge so the jump in the input never lies inside a
 * step.
 */
public final class HipparchusReference {
    private HipparchusReference() {
    }

    /**
     * @param a      effective (signed) recurrent weights, dense [N][N], rows = receiving neuron
     * @param u      input projection, dense [N][I]
     * @param bias   b per neuron
     * @param tau    τ per neuron
     * @param phi    nonlinearity per neuron (before the ReLU)
     * @param x      input [segment][I] of one sample
     * @param y0     h(t0)
     * @param points evaluation times (ascending, first = t0, last = t1)
     * @return the state at every evaluation point, [point][N]
     */
    public static double[][] solve(double[][] a, double[][] u, double[] bias, double[] tau,
                                   org.dl4jconnectome.connectome.Nonlinearity[] phi, double[][] x, double[] y0,
                                   double[] points, double tolerance) {
        int n = a.length;
        double t0 = points[0];
        double t1 = points[points.length - 1];
        int segments = x.length;
        double[][] drive = new double[segments][n];
        for (int s = 0; s < segments; s++) {
            for (int i = 0; i < n; i++) {
                double d = bias[i];
                for (int k = 0; k < x[s].length; k++) {
                    d += u[i][k] * x[s][k];
                }
                drive[s][i] = d;
            }
        }
        double[][] out = new double[points.length][];
        out[0] = y0.clone();
        double[] y = y0.clone();
        double t = t0;
        DormandPrince54Integrator integrator = new DormandPrince54Integrator(1e-12, t1 - t0, tolerance, tolerance);
        for (int p = 1; p < points.length; p++) {
            while (t < points[p]) {
                int seg = Math.min(segments - 1, (int) ((t - t0) / (t1 - t0) * segments + 1e-12));
                double edge = t0 + (t1 - t0) * (seg + 1) / segments;
                double target = Math.min(points[p], edge);
                if (target - t < 1e-14) {
                    t = target;
                    continue;
                }
                final double[] dr = drive[seg];
                OrdinaryDifferentialEquation ode = new OrdinaryDifferentialEquation() {
                    @Override
                    public int getDimension() {
                        return n;
                    }

                    @Override
                    public double[] computeDerivatives(double time, double[] h) {
                        double[] d = new double[n];
                        for (int i = 0; i < n; i++) {
                            double z = dr[i];
                            for (int j = 0; j < n; j++) {
                                z += a[i][j] * h[j];
                            }
                            d[i] = (phi[i].rectified(z) - h[i]) / tau[i];
                        }
                        return d;
                    }
                };
                y = integrator.integrate(ode, new ODEState(t, y), target).getPrimaryState();
                t = target;
            }
            out[p] = y.clone();
        }
        return out;
    }

    /** The dense signed matrix of a connectome (Dale or edge signs; all +1 when allExcitatory). */
    public static double[][] effectiveWeights(Connectome c, boolean allExcitatory) {
        CsrMatrix m = allExcitatory ? c.synapses() : c.signedSynapses();
        return m.toDense();
    }
}
