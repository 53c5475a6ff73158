package dev.keel.jms.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;

/**
 * Whether a topic routes to a group's queue, and its partitions, asked of the broker and remembered
 * for a while when it does (a topic that routes nowhere is asked again at every send). A group queue
 * deleted within the remembered time is not noticed until it runs out.
 */
public final class Routes {
    public static final Duration REMEMBER = Duration.ofSeconds(2);

    private final ToIntFunction<String> broker;
    private final LongSupplier nanos;
    private final Map<String, Known> known = new ConcurrentHashMap<>();

    /** @param broker a topic's partitions when it routes to a queue, else 0 ({@link JmsTopology#routablePartitions}) */
    public Routes(ToIntFunction<String> broker, LongSupplier nanos) {
        this.broker = broker;
        this.nanos = nanos;
    }

    /** The topic's partitions when it routes to a group's queue, else 0. */
    public int partitions(String topic) {
        Known entry = known.get(topic);
        long now = nanos.getAsLong();
        if (entry != null && now - entry.until() < 0) {
            return entry.partitions();
        }
        int partitions = broker.applyAsInt(topic);
        if (partitions > 0) {
            known.put(topic, new Known(partitions, now + REMEMBER.toNanos()));
        } else {
            known.remove(topic);
        }
        return partitions;
    }

    /** Forgets what is known of {@code topic}: the next send asks the broker. */
    public void forget(String topic) {
        known.remove(topic);
    }

    private record Known(int partitions, long until) {
    }
}
