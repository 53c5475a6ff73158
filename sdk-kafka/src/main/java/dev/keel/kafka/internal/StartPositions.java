package dev.keel.kafka.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a consumer that starts "at the end" starts: at the end offset each partition without a
 * committed offset had when the subscription started. With {@code auto.offset.reset=latest} alone
 * the end is read when the partition is first fetched, after the group's first assignment, so what
 * was published between {@code subscribe} returning and that moment was skipped. Read once, before
 * the consumer joins its group; applied on the poll thread to each assigned partition that still
 * has no committed offset (a partition created later starts under the reset policy).
 */
final class StartPositions {

    private static final Logger LOG = LoggerFactory.getLogger(StartPositions.class);
    private static final StartPositions NONE = new StartPositions(Map.of(), false, Duration.ZERO);

    private final Map<TopicPartition, Long> ends;
    /** The consumer resets to the end ({@code auto.offset.reset=latest}): a committed offset below the log start too. */
    private final boolean latest;
    private final Duration timeout;

    private StartPositions(Map<TopicPartition, Long> ends, boolean latest, Duration timeout) {
        this.ends = Map.copyOf(ends);
        this.latest = latest;
        this.timeout = timeout;
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
            return new StartPositions(Map.of(), true, timeout);
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions, timeout);
        partitions.removeIf(p -> committed.get(p) != null);
        return new StartPositions(partitions.isEmpty() ? Map.of() : consumer.endOffsets(partitions, timeout), true,
                timeout);
    }

    /**
     * Moves each of {@code assigned} that has a start position and no committed offset there. With
     * {@code committed} unknown (null: it could not be read), the start positions are applied, which
     * at worst delivers again what a commit made since the start had covered. On a consumer that resets to the end,
     * a partition whose committed offset retention has passed (below the oldest record kept, as after a replay to a
     * time retention then reached) is moved to the oldest record kept: {@code latest} is where a group with no
     * committed offset starts, and the consumer's reset would skip every record still kept.
     */
    void apply(Consumer<byte[], byte[]> consumer, Collection<TopicPartition> assigned,
               Map<TopicPartition, OffsetAndMetadata> committed) {
        for (TopicPartition partition : assigned) {
            Long end = ends.get(partition);
            if (end != null && (committed == null || committed.get(partition) == null)) {
                consumer.seek(partition, end);
            }
        }
        if (latest && committed != null) {
            resumeAtLogStart(consumer, assigned, committed);
            commitStarts(consumer, assigned, committed);
        }
    }

    /**
     * Commits where each assigned partition without a committed offset starts, as a consumer that auto-commits would:
     * Keel commits a partition's offsets as its records are acknowledged, so a partition that got no record while the
     * group ran would otherwise have none, and after a stop the reset to the end would skip every record published to
     * it meanwhile. When this fails (logged), such a partition keeps the reset policy.
     */
    private void commitStarts(Consumer<byte[], byte[]> consumer, Collection<TopicPartition> assigned,
                              Map<TopicPartition, OffsetAndMetadata> committed) {
        Map<TopicPartition, OffsetAndMetadata> starts = new HashMap<>();
        try {
            for (TopicPartition partition : assigned) {
                if (committed.get(partition) == null) {
                    starts.put(partition, new OffsetAndMetadata(consumer.position(partition, timeout)));
                }
            }
            if (!starts.isEmpty()) {
                consumer.commitSync(starts, timeout);
                LOG.debug("Committed the start positions of {} (no committed offset yet)", starts);
            }
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.warn("Could not commit the start positions of {} ({}): a partition that gets no record before this "
                    + "subscription stops resumes at its end (autoOffsetReset latest), skipping what is published to "
                    + "it meanwhile", starts.keySet(), e.toString());
        }
    }

    private void resumeAtLogStart(Consumer<byte[], byte[]> consumer, Collection<TopicPartition> assigned,
                                  Map<TopicPartition, OffsetAndMetadata> committed) {
        Set<TopicPartition> withCommit = new HashSet<>();
        for (TopicPartition partition : assigned) {
            if (committed.get(partition) != null) {
                withCommit.add(partition);
            }
        }
        if (withCommit.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> starts;
        try {
            starts = consumer.beginningOffsets(withCommit, timeout);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.debug("Could not read the log start offsets of {} ({}); a committed offset retention has passed "
                    + "resets to the end", withCommit, e.toString());
            return;
        }
        starts.forEach((partition, start) -> {
            long offset = committed.get(partition).offset();
            if (start != null && offset < start) {
                LOG.warn("The committed offset {} of {} is below its oldest record kept ({}): retention removed {} "
                        + "record(s) the group had not read; it resumes at {} (autoOffsetReset latest applies only "
                        + "to partitions without a committed offset)", offset, partition, start, start - offset, start);
                consumer.seek(partition, start);
            }
        });
    }
}
