package dev.keel.kafka.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a consumer that starts "at the end" starts: at the end offset each partition without a
 * committed offset had when the subscription started. With {@code auto.offset.reset=latest} alone
 * the end is read when the partition is first fetched, after the group's first assignment, so what
 * was published between {@code subscribe} returning and that moment was skipped. Read once, before
 * the consumer joins its group; applied on the poll thread to each assigned partition that still
 * has no committed offset (a partition created later starts under the reset policy).
 */
final class StartPositions {

    private static final StartPositions NONE = new StartPositions(Map.of());

    private final Map<TopicPartition, Long> ends;

    private StartPositions(Map<TopicPartition, Long> ends) {
        this.ends = Map.copyOf(ends);
    }

    /** No start positions: the committed offsets, else the reset policy, decide. */
    static StartPositions none() {
        return NONE;
    }

    /**
     * The end offsets, now, of the partitions of {@code topic} that the consumer's group has no
     * committed offset for (none if the topic does not exist yet). Each call is bounded by {@code timeout}.
     */
    static StartPositions atEnd(Consumer<byte[], byte[]> consumer, String topic, Duration timeout) {
        Set<TopicPartition> partitions = new HashSet<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, timeout)) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        if (partitions.isEmpty()) {
            return NONE;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions, timeout);
        partitions.removeIf(p -> committed.get(p) != null);
        return partitions.isEmpty() ? NONE : new StartPositions(consumer.endOffsets(partitions, timeout));
    }

    /**
     * Moves each of {@code assigned} that has a start position and no committed offset there. With
     * {@code committed} unknown (null: it could not be read), the start positions are applied, which
     * at worst delivers again what a commit made since the start had covered.
     */
    void apply(Consumer<byte[], byte[]> consumer, Collection<TopicPartition> assigned,
               Map<TopicPartition, OffsetAndMetadata> committed) {
        for (TopicPartition partition : assigned) {
            Long end = ends.get(partition);
            if (end != null && (committed == null || committed.get(partition) == null)) {
                consumer.seek(partition, end);
            }
        }
    }
}
