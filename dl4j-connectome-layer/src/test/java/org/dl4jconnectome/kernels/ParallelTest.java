package org.dl4jconnectome.kernels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private int savedThreads;

    @BeforeEach
    void fourThreads() {
        savedThreads = Parallel.threads();
        Parallel.setThreads(4);
    }

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    @Test
    void forEachRunsEveryTaskExactlyOnce() {
        for (int tasks : new int[] {0, 1, 2, 3, 4, 7, 100}) {
            AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, tasks));
            assertTimeoutPreemptively(TIMEOUT, () -> Parallel.forEach(tasks, runs::incrementAndGet));
            for (int i = 0; i < tasks; i++) {
                assertEquals(1, runs.get(i), "task " + i + " of " + tasks);
            }
        }
    }

    @Test
    void tasksRunConcurrentlyAndTaskZeroInTheCaller() {
        // Four tasks that each wait for all four to have started can only finish if they run at the same time.
        CountDownLatch started = new CountDownLatch(4);
        AtomicReferenceArray<Thread> thread = new AtomicReferenceArray<>(5);
        assertTimeoutPreemptively(TIMEOUT, () -> {
            thread.set(4, Thread.currentThread());
            Parallel.forEach(4, i -> {
                thread.set(i, Thread.currentThread());
                started.countDown();
                try {
                    assertTrue(started.await(5, TimeUnit.SECONDS), "tasks did not run concurrently");
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
        });
        assertSame(thread.get(4), thread.get(0), "task 0 runs in the calling thread");
        for (int i = 1; i < 4; i++) {
            assertTrue(thread.get(i) != thread.get(4), "task " + i + " runs on a worker");
        }
    }

    @Test
    void oneThreadRunsEverythingInTheCaller() {
        Parallel.setThreads(1);
        assertEquals(1, Parallel.threads());
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        Parallel.forEach(10, i -> seen.add(Thread.currentThread()));
        assertEquals(Set.of(Thread.currentThread()), seen);
    }

    @Test
    void nestedCallsInsideWorkerTasksRunSequentiallyInTheirThread() {
        int outer = 6;
        int inner = 5;
        AtomicIntegerArray runs = new AtomicIntegerArray(outer * inner);
        AtomicIntegerArray foreign = new AtomicIntegerArray(outer);
        assertTimeoutPreemptively(TIMEOUT, () -> Parallel.forEach(outer, i -> {
            Thread mine = Thread.currentThread();
            Parallel.forEach(inner, j -> {
                runs.incrementAndGet(i * inner + j);
                if (Thread.currentThread() != mine) {
                    foreign.incrementAndGet(i);
                }
            });
        }));
        for (int e = 0; e < outer * inner; e++) {
            assertEquals(1, runs.get(e), "nested task " + e);
        }
        for (int i = 1; i < outer; i++) {
            assertEquals(0, foreign.get(i), "nested tasks of outer task " + i + " left its worker thread");
        }
    }

    @Test
    void nestedCallFromTheCallersTaskAlsoRunsSequentially() {
        // Task 0 runs in the calling thread; its nested calls are inside a task too and must not fan out.
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        Set<Thread> caller = ConcurrentHashMap.newKeySet();
        assertTimeoutPreemptively(TIMEOUT, () -> {
            caller.add(Thread.currentThread());
            Parallel.forEach(3, i -> {
                if (i == 0) {
                    Parallel.forEach(8, j -> seen.add(Thread.currentThread()));
                }
            });
        });
        assertEquals(caller, seen, "the nested tasks of task 0 ran on " + seen.size() + " threads");
    }

    @Test
    void exceptionFromAWorkerTaskPropagatesAfterAllTasksFinish() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        AtomicIntegerArray runs = new AtomicIntegerArray(8);
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> Parallel.forEach(8, i -> {
            runs.incrementAndGet(i);
            if (i == 5) {
                throw boom;
            }
        }));
        assertSame(boom, thrown);
        for (int i = 0; i < 8; i++) {
            assertEquals(1, runs.get(i), "task " + i + " ran before forEach returned");
        }
    }

    @Test
    void exceptionFromTheCallersTaskPropagates() {
        IllegalStateException boom = new IllegalStateException("task 0");
        AtomicIntegerArray runs = new AtomicIntegerArray(4);
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> Parallel.forEach(4, i -> {
            runs.incrementAndGet(i);
            if (i == 0) {
                throw boom;
            }
        }));
        assertSame(boom, thrown);
        for (int i = 0; i < 4; i++) {
            assertEquals(1, runs.get(i));
        }
        // The pool still works after a failure.
        AtomicIntegerArray again = new AtomicIntegerArray(4);
        Parallel.forEach(4, again::incrementAndGet);
        for (int i = 0; i < 4; i++) {
            assertEquals(1, again.get(i));
        }
    }

    @Test
    void exceptionInsideANestedCallPropagates() {
        UnsupportedOperationException boom = new UnsupportedOperationException("nested");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> Parallel.forEach(4, i ->
                Parallel.forEach(3, j -> {
                    if (i == 2 && j == 1) {
                        throw boom;
                    }
                })));
        assertSame(boom, thrown);
    }

    @Test
    void forRangeCoversTheIndexRangeOnceInContiguousPieces() {
        for (int n : new int[] {0, 1, 7, 4095, 4096, 8193, 100_000}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
            Set<Long> pieces = ConcurrentHashMap.newKeySet();
            Parallel.forRange(n, (lo, hi) -> {
                assertTrue(0 <= lo && lo <= hi && hi <= n, "[" + lo + ", " + hi + ") of " + n);
                pieces.add(((long) lo << 32) | hi);
                for (int i = lo; i < hi; i++) {
                    hits.incrementAndGet(i);
                }
            });
            for (int i = 0; i < n; i++) {
                assertEquals(1, hits.get(i), "index " + i + " of " + n);
            }
            assertTrue(pieces.size() <= Parallel.threads(), pieces.size() + " pieces for " + n);
        }
    }

    @Test
    void invalidThreadCountIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(-2));
        assertEquals(4, Parallel.threads());
    }
}
