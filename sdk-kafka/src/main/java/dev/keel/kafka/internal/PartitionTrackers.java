package dev.keel.kafka.internal;

import dev.keel.spi.support.OffsetTracker;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The acknowledgement state of the partitions one consumer owns: an {@link OffsetTracker} per
 * partition (acks arrive from any thread) and the offsets already handed to a commit (poll thread
 * only). A partition's tracker is dropped when it is revoked: acks that still reach the old
 * tracker change nothing that will be committed.
 */
final class PartitionTrackers {

    private final String topic;
    private final Map<Integer, OffsetTracker> trackers = new ConcurrentHashMap<>();
    private final Map<Integer, Long> requested = new HashMap<>();

    PartitionTrackers(String topic) {
        this.topic = topic;
    }

    /** Registers a record handed to the engine and returns the tracker its ack must reach. */
    OffsetTracker received(int partition, long offset) {
        OffsetTracker tracker = trackers.computeIfAbsent(partition, p -> new OffsetTracker(offset));
        try {
            tracker.received(offset);
        } catch (IllegalArgumentException rewound) {
            // The consumer went back (its position was reset): start over from here.
            tracker = new OffsetTracker(offset);
            tracker.received(offset);
            trackers.put(partition, tracker);
            requested.remove(partition);
        }
        return tracker;
    }

    /** Offsets that advanced since the last commit request, for every owned partition. */
    Map<TopicPartition, OffsetAndMetadata> toCommit() {
        return toCommit(trackers.keySet());
    }

    /** Offsets that advanced since the last commit request, for {@code partitions}; marks them requested. */
    Map<TopicPartition, OffsetAndMetadata> toCommit(Collection<Integer> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Integer partition : partitions) {
            OffsetTracker tracker = trackers.get(partition);
            if (tracker == null) {
                continue;
            }
            long committable = tracker.committable();
            Long last = requested.get(partition);
            if (last == null || committable > last) {
                offsets.put(new TopicPartition(topic, partition), new OffsetAndMetadata(committable));
                requested.put(partition, committable);
            }
        }
        return offsets;
    }

    /** A commit of {@code offsets} failed: request them again next time. */
    void commitFailed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, om) -> requested.remove(tp.partition(), om.offset()));
    }

    /** Forgets revoked or lost partitions. */
    void remove(Collection<Integer> partitions) {
        for (Integer partition : partitions) {
            trackers.remove(partition);
            requested.remove(partition);
        }
    }

    /** Records handed out and not yet acknowledged, over all owned partitions. */
    int pending() {
        return trackers.values().stream().mapToInt(OffsetTracker::pendingCount).sum();
    }
}
