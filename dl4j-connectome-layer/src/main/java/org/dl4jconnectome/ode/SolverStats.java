package org.dl4jconnectome.ode;

import java.util.Arrays;

/** Per-sample statistics of a solve: accepted and rejected steps and vector-field evaluations. */
public final class SolverStats {
    private final int[] accepted;
    private final int[] rejected;
    private final int[] evaluations;
    private final int calls;

    /**
     * @param evaluations per sample, the vector-field evaluations made while it was being solved
     * @param calls       vector-field calls on the whole batch (what torchode reports as the batch's evaluations)
     */
    public SolverStats(int[] accepted, int[] rejected, int[] evaluations, int calls) {
        this.accepted = accepted.clone();
        this.rejected = rejected.clone();
        this.evaluations = evaluations.clone();
        this.calls = calls;
    }

    /** Vector-field calls on the whole batch. */
    public int evaluationCalls() {
        return calls;
    }

    public int batch() {
        return accepted.length;
    }

    public int acceptedSteps(int sample) {
        return accepted[sample];
    }

    public int rejectedSteps(int sample) {
        return rejected[sample];
    }

    /** Vector-field evaluations while the sample was being solved. */
    public int evaluations(int sample) {
        return evaluations[sample];
    }

    public int maxAcceptedSteps() {
        return Arrays.stream(accepted).max().orElse(0);
    }

    public int maxRejectedSteps() {
        return Arrays.stream(rejected).max().orElse(0);
    }

    public int totalRejectedSteps() {
        return Arrays.stream(rejected).sum();
    }

    public int maxEvaluations() {
        return Arrays.stream(evaluations).max().orElse(0);
    }

    @Override
    public String toString() {
        return "SolverStats[accepted=" + Arrays.toString(accepted) + ", rejected=" + Arrays.toString(rejected)
                + ", evaluations=" + Arrays.toString(evaluations) + ", calls=" + calls + "]";
    }
}
