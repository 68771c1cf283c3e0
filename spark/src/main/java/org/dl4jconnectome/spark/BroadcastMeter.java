package org.dl4jconnectome.spark;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerBlockUpdated;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockUpdatedInfo;
import org.apache.spark.storage.BroadcastBlockId;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Measures broadcasts as Spark stores them: the bytes of every piece of a broadcast variable (serialized and, by
 * default, compressed) reported by the block managers. A broadcast's size is the sum of its pieces, each counted
 * once however many executors fetched it.
 * <p>
 * Listener events arrive asynchronously; {@link #awaitJobs} waits until the jobs that used the broadcasts have been
 * seen to end, which, the listener bus being ordered, means that their pieces have been seen too.
 */
final class BroadcastMeter extends SparkListener {
    private final Map<Long, Map<String, Long>> pieces = new HashMap<>();
    private final Set<Integer> endedJobs = new HashSet<>();

    @Override
    public synchronized void onBlockUpdated(SparkListenerBlockUpdated event) {
        BlockUpdatedInfo info = event.blockUpdatedInfo();
        BlockId id = info.blockId();
        if (id instanceof BroadcastBlockId) {
            BroadcastBlockId b = (BroadcastBlockId) id;
            if (b.field().startsWith("piece")) {
                long bytes = info.memSize() + info.diskSize();
                if (bytes > 0) {
                    pieces.computeIfAbsent(b.broadcastId(), k -> new HashMap<>()).merge(b.field(), bytes, Math::max);
                }
            }
        }
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd event) {
        endedJobs.add(event.jobId());
        notifyAll();
    }

    /**
     * Waits until the end of every given job has been seen.
     *
     * @throws IllegalStateException if that takes longer than the timeout
     */
    synchronized void awaitJobs(int[] jobIds, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (int job : jobIds) {
            while (!endedJobs.contains(job)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("the end of Spark job " + job + " was not reported within "
                            + timeout + " " + unit.toString().toLowerCase(java.util.Locale.ROOT));
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    /** Bytes stored for broadcast {@code id} (all its pieces), or 0 when none was reported. */
    synchronized long bytes(long id) {
        Map<String, Long> p = pieces.get(id);
        return p == null ? 0 : p.values().stream().mapToLong(Long::longValue).sum();
    }
}
