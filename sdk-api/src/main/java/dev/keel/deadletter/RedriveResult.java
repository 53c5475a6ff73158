package dev.keel.deadletter;

import java.util.Set;

/**
 * What a re-drive did so far, or in all.
 *
 * @param examined the group's dead letters read
 * @param redriven those published to their origin (confirmed) and then removed from the dead-letter topic
 * @param kept     those left on the dead-letter topic: not matching the filter, truncated (no payload
 *                 to re-drive) or without an origin topic
 * @param failed   those whose re-publish failed: they stay on the dead-letter topic, for a later re-drive
 * @param partitionsNotRead the dead-letter topic's partitions the re-drive could not read to its end, because another
 *                 member of the group held them when it ended (another re-drive or listing of the group running at
 *                 the same time, or one that died, which holds them until the broker ends its membership: on Kafka,
 *                 its session timeout): their letters are not counted here and stay for a later re-drive. Empty when
 *                 it read every partition, and where the broker cannot tell (RabbitMQ, RocketMQ, JMS)
 */
public record RedriveResult(int examined, int redriven, int kept, int failed, Set<String> partitionsNotRead) {

    /** Nothing done yet. */
    public static final RedriveResult NONE = new RedriveResult(0, 0, 0, 0);

    public RedriveResult {
        if (examined < 0 || redriven < 0 || kept < 0 || failed < 0) {
            throw new IllegalArgumentException("counts must be >= 0");
        }
        partitionsNotRead = Set.copyOf(partitionsNotRead);
    }

    /** A re-drive that read every partition (or where the broker cannot tell). */
    public RedriveResult(int examined, int redriven, int kept, int failed) {
        this(examined, redriven, kept, failed, Set.of());
    }

    /** Whether the re-drive read every partition of the dead-letter topic: false when {@link #partitionsNotRead}. */
    public boolean complete() {
        return partitionsNotRead.isEmpty();
    }
}
