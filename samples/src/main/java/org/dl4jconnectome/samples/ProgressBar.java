package org.dl4jconnectome.samples;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A carriage-return progress bar for long runs, drawn on stderr only when stderr is a terminal, so that logs and
 * pipes stay clean. Nothing is drawn during the first {@link #DELAY_MS} ms: quick runs never show a bar. The line is
 * cleared when the work ends, so the summary that follows starts on a clean line.
 */
final class ProgressBar implements AutoCloseable {
    static final long DELAY_MS = 2000;
    private static final long PERIOD_MS = 250;
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final String label;
    private final long start = System.nanoTime();
    private final ScheduledExecutorService timer;
    /** Fraction done in [0, 1], or NaN while the work has not reported any (fixed-step solves report only the end). */
    private volatile double fraction = Double.NaN;
    private int drawnWidth;

    private ProgressBar(PrintWriter err, String label, boolean enabled) {
        this.err = err;
        this.label = label;
        if (enabled) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "progress-bar");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(this::draw, DELAY_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
        } else {
            timer = null;
        }
    }

    /** A bar on {@code err} when stderr is a terminal, otherwise one that draws nothing. */
    static ProgressBar onTerminal(PrintWriter err, String label) {
        return new ProgressBar(err, label, stderrIsTerminal());
    }

    /** Records the fraction done; cheap, callable from the solver after every step. */
    void update(double done) {
        fraction = done;
    }

    private synchronized void draw() {
        String line = render(label, fraction, (System.nanoTime() - start) / 1e9);
        // Pad over the remains of a longer previous line.
        err.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
        err.flush();
        drawnWidth = line.length();
    }

    @Override
    public void close() {
        if (timer == null) {
            return;
        }
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (drawnWidth > 0) {
                err.print("\r" + " ".repeat(drawnWidth) + "\r");
                err.flush();
            }
        }
    }

    /**
     * One line of the bar, e.g. {@code simulate [#########---------]  50%  2.1 s, about 2.1 s left}; without a
     * fraction, only the elapsed time.
     */
    static String render(String label, double fraction, double elapsedSeconds) {
        if (Double.isNaN(fraction)) {
            return String.format(Locale.ROOT, "%s running, %.1f s", label, elapsedSeconds);
        }
        double f = Math.max(0.0, Math.min(1.0, fraction));
        int filled = (int) Math.round(f * WIDTH);
        String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
        String eta = f > 0 && f < 1 ? String.format(Locale.ROOT, ", about %.1f s left",
                elapsedSeconds * (1 - f) / f) : "";
        return String.format(Locale.ROOT, "%s [%s] %3d%%  %.1f s%s", label, bar, (int) Math.floor(f * 100),
                elapsedSeconds, eta);
    }

    /**
     * Whether stderr is a terminal: on Linux from what file descriptor 2 points to; elsewhere {@code System.console()}
     * (stdin and stdout are terminals) stands in for it.
     */
    static boolean stderrIsTerminal() {
        Path fd = Path.of("/proc/self/fd/2");
        if (Files.isSymbolicLink(fd)) {
            try {
                String target = Files.readSymbolicLink(fd).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                return false;
            }
        }
        return System.console() != null;
    }
}
