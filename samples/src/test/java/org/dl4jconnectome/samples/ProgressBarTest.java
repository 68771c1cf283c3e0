package org.dl4jconnectome.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

class ProgressBarTest {
    @Test
    void rendersFractionElapsedTimeAndEstimate() {
        assertEquals("simulate [###############---------------]  50%  2.0 s, about 2.0 s left",
                ProgressBar.render("simulate", 0.5, 2.0));
        assertEquals("simulate [#-----------------------------]   3%  0.5 s, about 16.2 s left",
                ProgressBar.render("simulate", 0.03, 0.5));
        assertEquals("simulate [##############################] 100%  7.3 s",
                ProgressBar.render("simulate", 1.0, 7.25));
    }

    @Test
    void withoutAFractionShowsOnlyTheTime() {
        assertEquals("simulate running, 3.0 s", ProgressBar.render("simulate", Double.NaN, 3.0));
    }

    @Test
    void drawsNothingWhenStderrIsNotATerminal() {
        // Maven's test JVM writes stderr to a pipe, as a log or CI job does.
        StringWriter sink = new StringWriter();
        try (ProgressBar bar = ProgressBar.onTerminal(new PrintWriter(sink), "simulate")) {
            bar.update(0.5);
        }
        assertEquals(false, ProgressBar.stderrIsTerminal());
        assertEquals("", sink.toString());
    }
}
