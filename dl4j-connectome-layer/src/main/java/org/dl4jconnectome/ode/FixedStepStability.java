package org.dl4jconnectome.ode;

import java.util.Locale;

/**
 * The stability rule of fixed steps: a step h is stable for the decay y' = −y/τ when h/τ lies within the method's
 * real stability interval ({@link RungeKuttaMethod#realStabilityLimit()}); beyond it the solution grows without
 * bound (a pure leak with τ = 1 and one Dopri5 step of 50 time units gives h ≈ −1.5e9 where the exact value is
 * about 0.94). The leak is the fastest dynamics the model is sure to have, so this is a necessary condition; strong
 * recurrent coupling can need smaller steps still.
 */
public final class FixedStepStability {
    private FixedStepStability() {
    }

    /**
     * @param tauMin  the smallest time constant the solve can meet
     * @param tauName how messages name it ("tauMin", "the smallest tau")
     * @throws IllegalArgumentException naming the step, τ and the smallest stable steps per interval
     */
    public static void check(SolverSpec fixed, double t0, double t1, int numPoints, double tauMin, String tauName) {
        double interval = (t1 - t0) / (numPoints - 1);
        double step = interval / fixed.stepsPerInterval();
        RungeKuttaMethod m = fixed.method();
        double limit = m.realStabilityLimit();
        if (step / tauMin > limit) {
            String unstable = "stepsPerInterval = " + fixed.stepsPerInterval() + " gives fixed steps of " + step
                    + " time units, unstable for tau down to " + tauName + " = " + tauMin + " (" + m.name()
                    + " needs step/tau <= " + String.format(Locale.ROOT, "%.3f", limit) + ")";
            double needed = Math.ceil(interval / (limit * tauMin));
            if (needed * (numPoints - 1) > StepSchedule.MAX_STEPS) {
                throw new IllegalArgumentException(unstable + ": stable steps would need more than "
                        + StepSchedule.MAX_STEPS + " steps in all, more than a fixed-step schedule holds; shorten the "
                        + "time span or raise " + tauName);
            }
            throw new IllegalArgumentException(unstable + ": use stepsPerInterval >= " + (long) needed
                    + " or more evaluation points, or raise " + tauName);
        }
    }
}
