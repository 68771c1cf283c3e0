package org.dl4jconnectome.spark;

import org.apache.spark.broadcast.Broadcast;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Why {@code DistributedTrainer} scores a copy of the network: Spark closes an {@link AutoCloseable} broadcast value
 * when it drops the broadcast, and DL4J's scoring broadcasts the network's parameter array itself.
 */
class SparkBroadcastTest {
    @Test
    void sparkClosesABroadcastArrayWhenItDropsTheBroadcast() throws InterruptedException {
        try (MeteredSparkContext sc = new MeteredSparkContext(LocalSpark.conf(true))) {
            INDArray live = Nd4j.linspace(1, 6, 6);
            Broadcast<INDArray> b = sc.broadcast(live);
            assertFalse(live.wasClosed());
            b.destroy();
            assertTrue(closedWithin(live, 10_000), "Spark closed the broadcast array");

            INDArray kept = Nd4j.linspace(1, 6, 6);
            INDArray dup = kept.dup();
            sc.broadcast(dup).destroy();
            assertTrue(closedWithin(dup, 10_000));
            assertFalse(kept.wasClosed());
        }
    }

    /** Destruction is asynchronous (a message to the block manager). */
    private static boolean closedWithin(INDArray a, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!a.wasClosed() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        return a.wasClosed();
    }
}
