package org.dl4jconnectome.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;

import java.util.ArrayList;
import java.util.List;

/**
 * A Spark context that notes which broadcasts carry a network (DL4J's {@link NetBroadcastTuple}: configuration,
 * parameters and updater state), which the parameter-averaging master sends once per averaging round, and measures
 * them with a {@link BroadcastMeter}.
 */
final class MeteredSparkContext extends JavaSparkContext {
    private final List<Long> networkBroadcasts = new ArrayList<>();
    private final BroadcastMeter meter = new BroadcastMeter();

    MeteredSparkContext(SparkConf conf) {
        super(conf);
        sc().addSparkListener(meter);
    }

    BroadcastMeter meter() {
        return meter;
    }

    @Override
    public <T> Broadcast<T> broadcast(T value) {
        Broadcast<T> b = super.broadcast(value);
        if (value instanceof NetBroadcastTuple) {
            synchronized (networkBroadcasts) {
                networkBroadcasts.add(b.id());
            }
        }
        return b;
    }

    /** Ids of the network broadcasts made so far, in order. */
    List<Long> networkBroadcasts() {
        synchronized (networkBroadcasts) {
            return List.copyOf(networkBroadcasts);
        }
    }
}
