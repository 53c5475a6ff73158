package dev.keel.testkit.internal;

import dev.keel.KeelException;
import dev.keel.PublishReceipt;
import dev.keel.spi.OutboundRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The publish-side faults injected into an in-memory broker: the next N publishes fail with a given
 * error, every publish to given topics or above a size fails, the next N stored records are stored
 * twice, and publishes may be held (neither stored nor confirmed) until released. Guarded by the
 * broker lock.
 */
final class PublishFaults {

    /** A publish held back: stored and confirmed (or failed) when released. */
    record Held(InMemoryProducer producer, OutboundRecord record, CompletableFuture<PublishReceipt> receipt) {
    }

    private int failuresLeft;
    private KeelException failure;
    private final Map<String, KeelException> failingTopics = new HashMap<>();
    private int maxBytes = -1;
    private KeelException tooLarge;
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

    void failTopic(String topic, KeelException error) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(error, "error");
        failingTopics.put(topic, error);
    }

    void failLargerThan(int bytes, KeelException error) {
        if (bytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, was " + bytes);
        }
        Objects.requireNonNull(error, "error");
        this.maxBytes = bytes;
        this.tooLarge = error;
    }

    /**
     * The error for this publish, or {@code null} when it is not to fail: its topic's, then the size
     * limit's, then one of the next-N failures.
     */
    KeelException takeFailure(OutboundRecord record) {
        KeelException topicFailure = failingTopics.get(record.topic());
        if (topicFailure != null) {
            return topicFailure;
        }
        if (tooLarge != null && sizeOf(record) > maxBytes) {
            return tooLarge;
        }
        if (failuresLeft == 0) {
            return null;
        }
        failuresLeft--;
        return failure;
    }

    /** Payload, key, header names and values, in UTF-8 bytes. */
    static int sizeOf(OutboundRecord record) {
        int size = record.payload().length + utf8Length(record.key());
        for (Map.Entry<String, String> header : record.headers().entrySet()) {
            size += utf8Length(header.getKey()) + utf8Length(header.getValue());
        }
        return size;
    }

    private static int utf8Length(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
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
        failingTopics.clear();
        maxBytes = -1;
        tooLarge = null;
        duplicatesLeft = 0;
    }
}
