package dev.keel.cli.broker;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Work a raw consume baseline does on each batch it received, before it counts the batch's messages and commits
 * their positions: in {@code keel bench}, the two Redis writes per message that a hand-written effectively-once
 * consumer needs at the least. The loop goes on polling while batches are worked on, up to
 * {@link #MAX_BATCHES_IN_FLIGHT}, and counts and commits them in the order received.
 */
@FunctionalInterface
public interface BatchWork {

    /** Batches a loop keeps in work at once before it waits for the oldest. */
    int MAX_BATCHES_IN_FLIGHT = 4;

    /**
     * One message of a batch: its id (the {@code keel-id} Keel's publishers write, or the broker's own id where a
     * message has none) and its key (empty where it has none).
     */
    record Received(String id, String key) {
    }

    /** Starts the work on one received batch, its messages in the order received; completes when it is done. */
    CompletionStage<?> handle(List<Received> batch);
}
