package org.dl4jconnectome.kernels;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * The worker threads of the CPU kernels. One fixed pool of daemon threads serves every layer; its size defaults to
 * the number of available processors and can be set with the system property {@code dl4jconnectome.threads} or
 * {@link #setThreads}.
 */
public final class Parallel {
    private static final Object LOCK = new Object();
    private static final ThreadLocal<Boolean> IN_WORKER = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private static ExecutorService pool;
    private static int threads = initialThreads();

    private Parallel() {
    }

    /** The most threads per available processor that the kernels accept. */
    public static final int PER_PROCESSOR = 4;

    /** The most threads the kernels accept on this machine. */
    public static int maxThreads() {
        return PER_PROCESSOR * Runtime.getRuntime().availableProcessors();
    }

    private static int initialThreads() {
        String p = System.getProperty("dl4jconnectome.threads");
        if (p == null) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int t = Integer.parseInt(p.trim());
            if (t >= 1 && t <= maxThreads()) {
                return t;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("system property dl4jconnectome.threads = '" + p
                + "': expected an integer 1.." + maxThreads());
    }

    /** The number of threads kernels use. */
    public static int threads() {
        synchronized (LOCK) {
            return threads;
        }
    }

    /** Sets the number of kernel threads (≥ 1); structures prepared afterwards partition their work accordingly. */
    public static void setThreads(int n) {
        if (n < 1 || n > maxThreads()) {
            throw new IllegalArgumentException("threads = " + n + ": expected 1.." + maxThreads() + " (at most "
                    + PER_PROCESSOR + " per processor; more only add switching)");
        }
        synchronized (LOCK) {
            if (n != threads && pool != null) {
                pool.shutdown();
                pool = null;
            }
            threads = n;
        }
    }

    private static ExecutorService pool() {
        synchronized (LOCK) {
            if (pool == null) {
                pool = Executors.newFixedThreadPool(Math.max(1, threads - 1), r -> {
                    Thread t = new Thread(() -> {
                        IN_WORKER.set(Boolean.TRUE);
                        r.run();
                    }, "dl4jconnectome-kernel");
                    t.setDaemon(true);
                    return t;
                });
            }
            return pool;
        }
    }

    /**
     * Runs {@code body.accept(i)} for i in [0, tasks), spread over the pool; task 0 runs in the calling thread.
     * Calls from inside a task run sequentially, so nesting cannot deadlock.
     */
    public static void forEach(int tasks, IntConsumer body) {
        if (tasks <= 1 || IN_WORKER.get() || threads() == 1) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        ExecutorService p = pool();
        Future<?>[] futures = new Future<?>[tasks - 1];
        for (int i = 1; i < tasks; i++) {
            final int task = i;
            futures[i - 1] = p.submit(() -> body.accept(task));
        }
        RuntimeException failure = null;
        IN_WORKER.set(Boolean.TRUE);
        try {
            body.accept(0);
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            IN_WORKER.set(Boolean.FALSE);
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for kernel threads", e);
            } catch (ExecutionException e) {
                if (failure == null) {
                    Throwable c = e.getCause();
                    failure = c instanceof RuntimeException ? (RuntimeException) c : new IllegalStateException(c);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Runs body over [0, n) split into {@link #threads()} contiguous ranges: body.accept(lo, hi). */
    public static void forRange(int n, RangeBody body) {
        int t = Math.max(1, Math.min(threads(), n / 4096 + 1));
        forEach(t, i -> body.accept((int) ((long) n * i / t), (int) ((long) n * (i + 1) / t)));
    }

    /** A body over an index range [lo, hi). */
    @FunctionalInterface
    public interface RangeBody {
        void accept(int lo, int hi);
    }
}
