package org.dl4jconnectome.ode;

import java.util.Arrays;

/**
 * The fixed steps of an unrolled solve: every interval between consecutive evaluation points
 * linspace(t0, t1, numPoints) is split into {@code stepsPerInterval} equal steps, and a step that would straddle an
 * edge of the piecewise-constant input (numSegments equal bins on [t0, t1]) is split there, so every stage of a step
 * sees the input of the one bin the step lies in.
 */
public final class StepSchedule {
    /** The most steps a schedule holds (its arrays are Java arrays). */
    public static final int MAX_STEPS = Integer.MAX_VALUE - 16;

    private final double t0;
    private final double t1;
    private final int numSegments;
    private final double[] points;
    private final double[] stepStart;
    private final double[] stepSize;
    private final int[] stepSegment;
    /** Index of the evaluation point reached at the end of each step, or -1. */
    private final int[] pointAfterStep;

    private StepSchedule(double t0, double t1, int numSegments, double[] points, double[] grid, int[] pointAtGrid) {
        this.t0 = t0;
        this.t1 = t1;
        this.numSegments = numSegments;
        this.points = points;
        int n = grid.length - 1;
        this.stepStart = Arrays.copyOf(grid, n);
        this.stepSize = new double[n];
        this.stepSegment = new int[n];
        this.pointAfterStep = new int[n];
        for (int i = 0; i < n; i++) {
            stepSize[i] = grid[i + 1] - grid[i];
            stepSegment[i] = segmentOf(0.5 * (grid[i] + grid[i + 1]));
            pointAfterStep[i] = pointAtGrid[i + 1];
        }
    }

    /**
     * @param t0               start time
     * @param t1               end time (&gt; t0)
     * @param numPoints        evaluation points (≥ 2), the first at t0 and the last at t1
     * @param stepsPerInterval steps between consecutive evaluation points (≥ 1)
     * @param numSegments      input bins on [t0, t1] (≥ 1; 1 for a constant input)
     */
    public static StepSchedule fixed(double t0, double t1, int numPoints, int stepsPerInterval, int numSegments) {
        checkTimes(t0, t1);
        if (numPoints < 2) {
            throw new IllegalArgumentException("numPoints = " + numPoints + ": expected at least 2 evaluation points");
        }
        if (stepsPerInterval < 1) {
            throw new IllegalArgumentException("stepsPerInterval = " + stepsPerInterval + ": expected at least 1");
        }
        if (numSegments < 1) {
            throw new IllegalArgumentException("numSegments = " + numSegments + ": expected at least 1");
        }
        double[] points = evaluationPoints(t0, t1, numPoints);
        long total = (long) (numPoints - 1) * stepsPerInterval + numSegments;
        if (total > MAX_STEPS) {
            throw new IllegalArgumentException("numPoints = " + numPoints + ", stepsPerInterval = " + stepsPerInterval
                    + " and numSegments = " + numSegments + " make " + total + " steps, more than a schedule holds ("
                    + MAX_STEPS + ")");
        }
        int regular = (numPoints - 1) * stepsPerInterval + 1;
        double[] grid = new double[regular + numSegments - 1];
        int[] pointAt = new int[grid.length];
        int m = 0;
        for (int j = 0; j + 1 < numPoints; j++) {
            for (int i = 0; i < stepsPerInterval; i++) {
                pointAt[m] = i == 0 ? j : -1;
                grid[m++] = i == 0 ? points[j] : points[j] + (points[j + 1] - points[j]) * i / stepsPerInterval;
            }
        }
        pointAt[m] = numPoints - 1;
        grid[m++] = t1;
        double[] edges = new double[numSegments - 1];
        for (int e = 1; e < numSegments; e++) {
            edges[e - 1] = t0 + (t1 - t0) * e / numSegments;
        }
        // Merge the edges into the grid; an edge within rounding distance of a grid point is that point.
        double eps = 1e-12 * (t1 - t0);
        double[] merged = new double[grid.length];
        int[] mergedPoint = new int[grid.length];
        int g = 0;
        int e = 0;
        int out = 0;
        while (g < m) {
            if (e < edges.length && edges[e] < grid[g] - eps) {
                mergedPoint[out] = -1;
                merged[out++] = edges[e++];
            } else {
                while (e < edges.length && Math.abs(edges[e] - grid[g]) <= eps) {
                    e++;
                }
                mergedPoint[out] = pointAt[g];
                merged[out++] = grid[g++];
            }
        }
        return new StepSchedule(t0, t1, numSegments, points, Arrays.copyOf(merged, out),
                Arrays.copyOf(mergedPoint, out));
    }

    /** linspace(t0, t1, n) with the last point exactly t1. */
    public static double[] evaluationPoints(double t0, double t1, int n) {
        double[] p = new double[n];
        for (int j = 0; j < n; j++) {
            p[j] = j == n - 1 ? t1 : t0 + (t1 - t0) * j / (n - 1);
        }
        return p;
    }

    /**
     * @throws IllegalArgumentException unless t0 &lt; t1 are finite and so is their difference (−1e308..1e308
     *                                  overflows)
     */
    public static void checkTimes(double t0, double t1) {
        if (!Double.isFinite(t0) || !Double.isFinite(t1) || !(t1 > t0) || !Double.isFinite(t1 - t0)) {
            throw new IllegalArgumentException("time span [" + t0 + ", " + t1 + "]: expected finite t0 < t1 whose "
                    + "difference is finite");
        }
    }

    /** The input bin of time t: trunc((t − t0)/(t1 − t0) · numSegments), the last bin closed at t1. */
    public int segmentOf(double t) {
        int s = (int) ((t - t0) / (t1 - t0) * numSegments);
        return Math.max(0, Math.min(numSegments - 1, s));
    }

    public int numSteps() {
        return stepStart.length;
    }

    public double stepStart(int i) {
        return stepStart[i];
    }

    public double stepSize(int i) {
        return stepSize[i];
    }

    public int stepSegment(int i) {
        return stepSegment[i];
    }

    /** The evaluation point reached at the end of step i, or -1 if none. */
    public int pointAfterStep(int i) {
        return pointAfterStep[i];
    }

    public int numPoints() {
        return points.length;
    }

    /** The evaluation points (a copy). */
    public double[] points() {
        return points.clone();
    }

    public int numSegments() {
        return numSegments;
    }
}
