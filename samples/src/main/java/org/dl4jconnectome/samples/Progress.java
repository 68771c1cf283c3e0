package org.dl4jconnectome.samples;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Reports the phases of a sample on stderr: "building the connectome ... done (2.1 s)". While a phase runs, the
 * elapsed time is repeated every {@link #TICK_SECONDS} seconds so that a long simulation visibly progresses.
 */
final class Progress {
    static final int TICK_SECONDS = 10;

    private final PrintWriter err;

    Progress(PrintWriter err) {
        this.err = err;
    }

    /** A running phase; closing it reports its duration. */
    final class Phase implements AutoCloseable {
        private final String what;
        private final long start = System.nanoTime();
        private final ScheduledExecutorService ticker;

        private Phase(String what) {
            this.what = what;
            err.println(what + " ...");
            err.flush();
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "progress");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(() -> {
                err.println("  ... " + what + ": " + Math.round(seconds()) + " s");
                err.flush();
            }, TICK_SECONDS, TICK_SECONDS, TimeUnit.SECONDS);
        }

        /** Seconds since the phase began. */
        double seconds() {
            return (System.nanoTime() - start) / 1e9;
        }

        @Override
        public void close() {
            ticker.shutdownNow();
            err.println(String.format(Locale.ROOT, "  done: %s (%.1f s)", what, seconds()));
            err.flush();
        }
    }

    /** Starts a phase and announces it. */
    Phase begin(String what) {
        return new Phase(what);
    }
}
