package dev.keel.deadletter;

import java.util.List;
import java.util.Set;

/**
 * What a listing of a group's dead letters read.
 *
 * @param letters           the group's dead letters matching the filter, oldest first per partition
 * @param partitionsNotRead the dead-letter topic's partitions the listing could not read, because another member of
 *                          the group held them (as {@link RedriveResult#partitionsNotRead()}): their letters are not
 *                          in {@code letters}. Empty when it read every partition, and where the broker cannot tell
 *                          (RabbitMQ, RocketMQ, JMS)
 */
public record DeadLetterListing(List<DeadLetter> letters, Set<String> partitionsNotRead) {

    public DeadLetterListing {
        letters = List.copyOf(letters);
        partitionsNotRead = Set.copyOf(partitionsNotRead);
    }

    /** Whether the listing read every partition of the dead-letter topic: false when {@link #partitionsNotRead}. */
    public boolean complete() {
        return partitionsNotRead.isEmpty();
    }
}
