package org.dl4jconnectome.ode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepScheduleTest {

    /**
     * Checks a schedule against its definition: contiguous steps from t0 to t1, none of negligible length, none
     * straddling a segment edge, each labelled with the bin it lies in, and the evaluation points reached in order
     * exactly at their times.
     */
    private static void assertConsistent(StepSchedule s, double t0, double t1, int numPoints, int stepsPerInterval,
                                         int numSegments) {
        double span = t1 - t0;
        double eps = 1e-9 * span;
        double[] points = s.points();
        assertEquals(numPoints, s.numPoints());
        assertEquals(numSegments, s.numSegments());
        for (int j = 0; j < numPoints; j++) {
            assertEquals(t0 + span * j / (numPoints - 1), points[j], 1e-15 * Math.max(1, Math.abs(t1)));
        }
        assertEquals(t1, points[numPoints - 1], 0, "the last point is exactly t1");

        double[] edges = new double[numSegments + 1];
        for (int e = 0; e <= numSegments; e++) {
            edges[e] = t0 + span * e / numSegments;
        }
        double t = t0;
        int nextPoint = 1;
        double totalSize = 0;
        for (int i = 0; i < s.numSteps(); i++) {
            double start = s.stepStart(i);
            double end = start + s.stepSize(i);
            assertEquals(t, start, eps, "step " + i + " starts where the previous one ended");
            assertTrue(s.stepSize(i) > 1e-6 * span, "step " + i + " has length " + s.stepSize(i));
            // Within its segment: [edge(seg), edge(seg + 1)] up to rounding.
            int seg = s.stepSegment(i);
            assertTrue(seg >= 0 && seg < numSegments);
            assertTrue(start >= edges[seg] - eps && end <= edges[seg + 1] + eps,
                    "step " + i + " [" + start + ", " + end + "] is not inside segment " + seg);
            assertEquals(s.segmentOf(0.5 * (start + end)), seg);
            int p = s.pointAfterStep(i);
            if (p >= 0) {
                assertEquals(nextPoint, p, "evaluation points are reached in order");
                assertEquals(points[p], end, eps, "step " + i + " ends at point " + p);
                nextPoint++;
            } else {
                for (double pt : points) {
                    assertTrue(Math.abs(pt - end) > eps, "step " + i + " ends at an evaluation point but reports -1");
                }
            }
            totalSize += s.stepSize(i);
            t = end;
        }
        assertEquals(numPoints, nextPoint, "every evaluation point after t0 is reached");
        assertEquals(t1, t, eps);
        assertEquals(span, totalSize, eps);

        // Steps = regular grid steps plus one per edge that falls strictly between grid points.
        int extra = 0;
        int intervals = (numPoints - 1) * stepsPerInterval;
        for (int e = 1; e < numSegments; e++) {
            double g = (edges[e] - t0) / span * intervals;
            if (Math.abs(g - Math.rint(g)) > 1e-9) {
                extra++;
            }
        }
        assertEquals(intervals + extra, s.numSteps());
    }

    @ParameterizedTest
    @CsvSource({
        "0, 1, 5, 4, 1",
        "0, 1, 5, 1, 4",     // edges coincide with evaluation points
        "0, 1, 5, 3, 4",
        "0, 1, 20, 1, 3",    // edges between evaluation points
        "0, 1, 20, 3, 3",    // edges coincide with interior grid points (19/57, 38/57)
        "0, 1, 2, 1, 7",
        "0, 1, 11, 2, 10",
        "-1.7, 3.1, 9, 3, 4",
        "0.1, 0.7, 7, 5, 6",  // 0.1 and 0.7 are not binary fractions: rounding must not create tiny steps
        "2, 1000, 13, 2, 9",
        "0, 1, 3, 1, 12"      // more segments than steps
    })
    void scheduleIsConsistent(double t0, double t1, int numPoints, int stepsPerInterval, int numSegments) {
        assertConsistent(StepSchedule.fixed(t0, t1, numPoints, stepsPerInterval, numSegments), t0, t1, numPoints,
                stepsPerInterval, numSegments);
    }

    @Test
    void regularScheduleWithoutSegments() {
        StepSchedule s = StepSchedule.fixed(0, 1, 5, 4, 1);
        assertEquals(16, s.numSteps());
        for (int i = 0; i < 16; i++) {
            assertEquals(1.0 / 16, s.stepSize(i), 1e-15);
            assertEquals(0, s.stepSegment(i));
            assertEquals(i % 4 == 3 ? (i + 1) / 4 : -1, s.pointAfterStep(i), "step " + i);
        }
    }

    @Test
    void edgesOnEvaluationPointsAddNoSteps() {
        StepSchedule s = StepSchedule.fixed(0, 1, 5, 1, 4);
        assertEquals(4, s.numSteps());
        for (int i = 0; i < 4; i++) {
            assertEquals(0.25, s.stepSize(i), 1e-15);
            assertEquals(i, s.stepSegment(i));
            assertEquals(i + 1, s.pointAfterStep(i));
        }
    }

    @Test
    void edgesBetweenPointsSplitTheirStep() {
        // 19 intervals of 1/19; the edges 1/3 and 2/3 fall inside intervals 6 and 12 and split them.
        StepSchedule s = StepSchedule.fixed(0, 1, 20, 1, 3);
        assertEquals(21, s.numSteps());
        assertEquals(6.0 / 19, s.stepStart(6), 1e-15);
        assertEquals(1.0 / 3 - 6.0 / 19, s.stepSize(6), 1e-15);
        assertEquals(-1, s.pointAfterStep(6));
        assertEquals(0, s.stepSegment(6));
        assertEquals(1.0 / 3, s.stepStart(7), 1e-15);
        assertEquals(7, s.pointAfterStep(7));
        assertEquals(1, s.stepSegment(7));
        assertEquals(2, s.stepSegment(20));
        assertEquals(19, s.pointAfterStep(20));
    }

    @Test
    void segmentOfClampsToTheBins() {
        StepSchedule s = StepSchedule.fixed(1, 3, 3, 1, 4);
        assertEquals(0, s.segmentOf(1.0));
        assertEquals(0, s.segmentOf(1.49));
        assertEquals(1, s.segmentOf(1.51));
        assertEquals(3, s.segmentOf(3.0), "the last bin is closed at t1");
        assertEquals(0, s.segmentOf(0.0));
        assertEquals(3, s.segmentOf(9.0));
    }

    @Test
    void evaluationPointsAreALinspaceEndingExactlyAtT1() {
        double[] p = StepSchedule.evaluationPoints(0.1, 0.7, 7);
        assertEquals(7, p.length);
        assertEquals(0.1, p[0], 0);
        assertEquals(0.7, p[6], 0);
        for (int j = 0; j < 7; j++) {
            assertEquals(0.1 + 0.1 * j, p[j], 1e-15);
        }
        assertArrayEquals(new double[] {0, 0.5, 1}, StepSchedule.evaluationPoints(0, 1, 3), 0);
    }

    @Test
    void invalidArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> StepSchedule.fixed(1, 1, 5, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> StepSchedule.fixed(1, 0, 5, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> StepSchedule.fixed(Double.NaN, 1, 5, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> StepSchedule.fixed(0, Double.POSITIVE_INFINITY, 5, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> StepSchedule.fixed(0, 1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> StepSchedule.fixed(0, 1, 5, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> StepSchedule.fixed(0, 1, 5, 1, 0));
    }
}
