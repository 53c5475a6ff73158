package dev.keel.kafka.internal;

import dev.keel.spi.support.OffsetTracker;
import dev.keel.spi.support.RewindFloors;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The acknowledgement state of the partitions one consumer owns: an {@link OffsetTracker} per
 * partition (acks arrive from any thread), the work a previous owner recorded as done above its
 * committed offset, and the commits already requested (poll thread only). A commit carries the
 * committable offset and, in its metadata, the offsets acknowledged above it ({@link OffsetRanges}),
 * so that the next owner skips them. A partition's state is dropped when it is revoked: acks that
 * still reach the old tracker change nothing that will be committed.
 */
final class PartitionTrackers {

    private final String topic;
    private final Map<Integer, OffsetTracker> trackers = new ConcurrentHashMap<>();
    /** Offsets a previous owner acknowledged above its commit, read when the partition was assigned. */
    private final Map<Integer, OffsetRanges> doneBefore = new HashMap<>();
    private final Map<Integer, OffsetAndMetadata> requested = new HashMap<>();
    /**
     * A partition's trackers from before its position went back into the middle of the records still pending (a log
     * truncation or an offset reset): while one holds records not yet acknowledged, the partition's commit stays at or
     * below its committable offset, since those records' acks reach only it.
     */
    private final RewindFloors<Integer> floors = new RewindFloors<>();
    /** False once the broker refused a commit's metadata as too large: commits then carry offsets only. */
    private volatile boolean recordDoneAbove = true;

    PartitionTrackers(String topic) {
        this.topic = topic;
    }

    /** Remembers what the partition's last commit recorded as done above its offset. */
    void assigned(int partition, OffsetAndMetadata committed) {
        OffsetRanges done = committed == null ? OffsetRanges.NONE
                : OffsetRanges.parse(committed.offset(), committed.metadata());
        if (done.isEmpty()) {
            doneBefore.remove(partition);
        } else {
            doneBefore.put(partition, done);
        }
    }

    /** Whether a previous owner already acknowledged {@code offset}: it is then not delivered again. */
    boolean doneBefore(int partition, long offset) {
        OffsetRanges done = doneBefore.get(partition);
        return done != null && done.contains(offset);
    }

    /**
     * Registers the first {@code count} of {@code offsets} (increasing), all of one partition, handed to the engine
     * in one batch, and returns the tracker their acks must reach.
     */
    OffsetTracker receivedAll(int partition, long[] offsets, int count) {
        OffsetTracker tracker = trackers.computeIfAbsent(partition, p -> new OffsetTracker(offsets[0]));
        try {
            tracker.receivedAll(offsets, count);
        } catch (IllegalArgumentException rewound) {
            // The consumer went back (its position was reset): start over from here; the old tracker's records still
            // pending hold the commit back until they are acknowledged
            floors.replaced(partition, tracker);
            tracker = new OffsetTracker(offsets[0]);
            tracker.receivedAll(offsets, count);
            trackers.put(partition, tracker);
            requested.remove(partition);
        }
        return tracker;
    }

    /** Whether a previous owner recorded work done above its commit of {@code partition} (skipped when it comes). */
    boolean anyDoneBefore(int partition) {
        return doneBefore.containsKey(partition);
    }

    /** Offsets and metadata that changed since the last commit request, for every owned partition. */
    Map<TopicPartition, OffsetAndMetadata> toCommit() {
        return toCommit(trackers.keySet());
    }

    /** Offsets and metadata that changed since the last commit request, for {@code partitions}; marks them requested. */
    Map<TopicPartition, OffsetAndMetadata> toCommit(Collection<Integer> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Integer partition : partitions) {
            OffsetTracker tracker = trackers.get(partition);
            if (tracker == null) {
                continue;
            }
            OffsetRanges done = OffsetRanges.of(tracker.ackedAbove())
                    .union(doneBefore.getOrDefault(partition, OffsetRanges.NONE));
            // past what a previous owner finished from here on (its metadata cannot record a range starting at the
            // commit's offset), but never past a record pending on a tracker from before a rewind
            long committable = Math.min(done.firstNotHeldFrom(tracker.committable()), floors.floor(partition));
            OffsetAndMetadata next = new OffsetAndMetadata(committable,
                    recordDoneAbove ? done.toMetadata(committable) : "");
            OffsetAndMetadata last = requested.get(partition);
            if (last == null || committable > last.offset()
                    || (committable == last.offset() && !next.metadata().equals(last.metadata()))) {
                offsets.put(new TopicPartition(topic, partition), next);
                requested.put(partition, next);
            }
        }
        return offsets;
    }

    /**
     * Forgets which commits were requested for {@code partitions} (all owned ones when null), so that the next
     * {@link #toCommit} asks for every partition's offset again: a final commit (a revocation's, a close's) must not
     * count on an asynchronous commit still under way, whose failure would come when nothing commits again.
     */
    void forgetRequested(Collection<Integer> partitions) {
        if (partitions == null) {
            requested.clear();
        } else {
            partitions.forEach(requested::remove);
        }
    }

    /** A commit of {@code offsets} failed: request them again next time. */
    void commitFailed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, om) -> requested.remove(tp.partition(), om));
    }

    /**
     * The broker refused the metadata as too large (its {@code offset.metadata.max.bytes} is below
     * {@link OffsetRanges#MAX_CHARS}): from now on commits carry offsets only, and work done above a
     * gap is delivered again to the next owner, as without this record.
     */
    void stopRecordingDoneAbove() {
        recordDoneAbove = false;
    }

    /** Forgets revoked or lost partitions. */
    void remove(Collection<Integer> partitions) {
        for (Integer partition : partitions) {
            trackers.remove(partition);
            requested.remove(partition);
            doneBefore.remove(partition);
            floors.forget(partition);
        }
    }
}
