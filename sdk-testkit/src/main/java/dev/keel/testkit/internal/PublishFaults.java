package dev.keel.testkit.internal;

import dev.keel.KeelException;
import dev.keel.PublishReceipt;
import dev.keel.spi.OutboundRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The publish-side faults injected into an in-memory broker: the next N publishes fail with a given
 * error, the next N stored records are stored twice, and publishes may be held (neither stored nor
 * confirmed) until released. Guarded by the broker lock.
 */
final class PublishFaults {

    /** A publish held back: stored and confirmed (or failed) when released. */
    record Held(InMemoryProducer producer, OutboundRecord record, CompletableFuture<PublishReceipt> receipt) {
    }

    private int failuresLeft;
    private KeelException failure;
    private int duplicatesLeft;
    private boolean holding;
    private final List<Held> held = new ArrayList<>();

    void failNext(int count, KeelException error) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
        Objects.requireNonNull(error, "error");
        this.failuresLeft = count;
        this.failure = error;
    }

    /** The error for this publish, or {@code null} when it is not to fail. */
    KeelException takeFailure() {
        if (failuresLeft == 0) {
            return null;
        }
        failuresLeft--;
        return failure;
    }

    void duplicateNext(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
        this.duplicatesLeft = count;
    }

    boolean takeDuplicate() {
        if (duplicatesLeft == 0) {
            return false;
        }
        duplicatesLeft--;
        return true;
    }

    void hold() {
        holding = true;
    }

    boolean holding() {
        return holding;
    }

    void add(Held publish) {
        held.add(publish);
    }

    int heldCount() {
        return held.size();
    }

    /** Stops holding and returns what was held, in publish order. */
    List<Held> release() {
        holding = false;
        return drain();
    }

    /** Returns (and forgets) what is held, still holding later publishes. */
    List<Held> drain() {
        List<Held> all = List.copyOf(held);
        held.clear();
        return all;
    }

    /** Returns (and forgets) what {@code producer} has held. */
    List<Held> drain(InMemoryProducer producer) {
        List<Held> mine = held.stream().filter(h -> h.producer() == producer).toList();
        held.removeAll(mine);
        return mine;
    }

    void clear() {
        failuresLeft = 0;
        failure = null;
        duplicatesLeft = 0;
    }
}
