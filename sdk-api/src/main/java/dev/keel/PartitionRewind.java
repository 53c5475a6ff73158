package dev.keel;

import java.util.Objects;

/**
 * What a replay did to one partition of a group: its position before and after (the offset of the
 * next message the group reads; RocketMQ: the queue offset). {@code after <= before}: a partition
 * whose position is already at or before the replay's time keeps it.
 *
 * @param partition the broker's partition name (Kafka: the partition number; RocketMQ: {@code broker:queueId})
 * @param before    the group's position before the replay (the end of the partition when the group had none)
 * @param after     the group's position after the replay
 */
public record PartitionRewind(String partition, long before, long after) {

    /** Checks every value. */
    public PartitionRewind {
        Objects.requireNonNull(partition, "partition");
        if (after < 0 || after > before) {
            throw new IllegalArgumentException("a rewind of partition " + partition + " must go back: 0 <= after ("
                    + after + ") <= before (" + before + ")");
        }
    }

    /**
     * How many messages of this partition the group reads again: the offsets its position moves back over. On Kafka
     * that counts transaction markers and the records of aborted transactions too, which its {@code read_committed}
     * readers skip: an upper bound on a topic written in transactions.
     */
    public long messages() {
        return before - after;
    }
}
