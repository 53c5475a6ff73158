package dev.keel;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What {@code Keel.replay} or {@code Keel.reprocess} did: the group's positions per partition
 * before and after, and how many done marks of the replayed range were forgotten (0 for a replay
 * that keeps them: under EFFECTIVELY_ONCE its messages are then skipped as duplicates).
 *
 * @param topic      the topic
 * @param group      the consumer group
 * @param from       the time the group was rewound to
 * @param partitions per partition, in the broker's order
 * @param forgotten  done marks forgotten so that the range runs again (reprocess only)
 */
public record ReplayResult(String topic, String group, Instant from, List<PartitionRewind> partitions,
                           int forgotten) {

    /** Checks every value and copies the list. */
    public ReplayResult {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(from, "from");
        partitions = List.copyOf(partitions);
        if (forgotten < 0) {
            throw new IllegalArgumentException("forgotten must be >= 0, was " + forgotten);
        }
    }

    /** How many messages the group reads again, over every partition (an upper bound: {@link PartitionRewind#messages()}). */
    public long messages() {
        return partitions.stream().mapToLong(PartitionRewind::messages).sum();
    }
}
