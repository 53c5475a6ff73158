package dev.keel.kafka.internal;

import java.util.Set;

/**
 * Where a consumer's fetching stands, as of its poll loop's last round: written by the poll thread only, read from any
 * thread (metrics, a dead-letter read waiting for its next letter).
 */
final class FetchProgress {

    private volatile long backlog;
    private volatile boolean caughtUp;
    private volatile Set<String> heldByOthers = Set.of();

    /**
     * Records one round: {@code backlog} records wait on the broker or are held back, and whether the loop is caught up
     * (it owns every partition of the topic, holds nothing back, and has handed over each partition up to where it
     * ended when first fetched).
     */
    void record(long backlog, boolean caughtUp) {
        this.backlog = backlog;
        this.caughtUp = caughtUp;
    }

    long backlog() {
        return backlog;
    }

    boolean caughtUp() {
        return caughtUp;
    }

    /** Records the topic's partitions the consumer does not own (another member of its group holds them). */
    void heldByOthers(Set<String> partitions) {
        this.heldByOthers = Set.copyOf(partitions);
    }

    Set<String> heldByOthers() {
        return heldByOthers;
    }
}
