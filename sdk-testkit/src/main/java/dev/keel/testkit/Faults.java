package dev.keel.testkit;

import dev.keel.KeelException;
import dev.keel.testkit.internal.BrokerState;
import java.util.Objects;

/**
 * Test-only faults of an {@link InMemoryBroker}, reached through {@link FaultInjectable#faults()}.
 * Thread-safe; every switch acts on the whole broker, all its clients included.
 */
public final class Faults {

    private final BrokerState broker;

    Faults(BrokerState broker) {
        this.broker = Objects.requireNonNull(broker, "broker");
    }

    /**
     * The next {@code count} publishes fail with {@code error}, neither stored nor confirmed: for
     * example a retriable {@link dev.keel.BrokerUnavailableException}, or a non-retriable
     * {@code new PublishException("nacked", null, false)}. Replaces an earlier setting.
     */
    public Faults failNextPublishes(int count, KeelException error) {
        broker.failNextPublishes(count, error);
        return this;
    }

    /**
     * Every publish to {@code topic} fails with {@code error}, neither stored nor confirmed, until
     * {@link #clear()}: for example a dead-letter topic that refuses records for good with a
     * non-retriable {@code new PublishException("refused", null, false)}. Replaces an earlier
     * setting for the topic; other topics are not affected.
     */
    public Faults failPublishesTo(String topic, KeelException error) {
        broker.failPublishesTo(topic, error);
        return this;
    }

    /**
     * Every publish larger than {@code maxBytes} (payload, key, header names and values, in UTF-8
     * bytes) fails with {@code error}, neither stored nor confirmed, until {@link #clear()}, as a
     * broker's record size limit does (Kafka's {@code RecordTooLargeException} reaches Keel as a
     * non-retriable {@code PublishException}). Replaces an earlier limit.
     */
    public Faults failPublishesLargerThan(int maxBytes, KeelException error) {
        broker.failPublishesLargerThan(maxBytes, error);
        return this;
    }

    /**
     * The next {@code count} stored publishes are stored twice: the copy has the same headers (so
     * the same Keel id) at the next offset, and reaches consumers as a separate later delivery.
     */
    public Faults duplicateNextPublishes(int count) {
        broker.duplicateNextPublishes(count);
        return this;
    }

    /**
     * Appends a copy of the record at {@code offset} to the end of its partition (same headers, same
     * Keel id), as a broker redelivering it later would; returns the copy.
     */
    public StoredRecord duplicateRecord(String topic, int partition, long offset) {
        return broker.duplicateRecord(topic, partition, offset);
    }

    /**
     * Holds later publishes: neither stored nor confirmed (their stages stay pending) until
     * {@link #releasePublishes()}, so tests can observe in-flight bounds and timeouts.
     */
    public Faults holdPublishes() {
        broker.holdPublishes();
        return this;
    }

    /** How many publishes are held now. */
    public int heldPublishes() {
        return broker.heldPublishes();
    }

    /** Stops holding: stores and confirms the held publishes in order; returns how many there were. */
    public int releasePublishes() {
        return broker.releasePublishes();
    }

    /**
     * Drops every client's connection: held publishes and every publish until
     * {@link #restoreConnection()} fail with a retriable {@link dev.keel.BrokerUnavailableException};
     * consumers stop receiving and lose their partitions without committing, so what they had not
     * acknowledged (and committed) is redelivered once the connection is restored.
     */
    public Faults dropConnection() {
        broker.dropConnection();
        return this;
    }

    /** Reconnects: publishes work again and partitions are reassigned from the committed offsets. */
    public Faults restoreConnection() {
        broker.restoreConnection();
        return this;
    }

    public boolean isConnected() {
        return broker.isConnected();
    }

    /**
     * Kills the oldest live member of {@code group} on {@code topic} as if its process died: it
     * commits nothing more, its later acks are ignored, it receives nothing more, and its partitions
     * go to the remaining members from the committed offsets. Returns false when the group has no
     * live member.
     */
    public boolean crashMember(String topic, String group) {
        return broker.crashMember(topic, group);
    }

    /**
     * Grows {@code topic} to {@code partitions} partitions, as an operator altering a Kafka topic
     * would (Keel itself never changes a topic); its groups rebalance onto the new partitions.
     */
    public Faults addPartitions(String topic, int partitions) {
        broker.addPartitions(topic, partitions);
        return this;
    }

    /**
     * Clears failing publishes (the next-N, per-topic and size faults) and duplicating ones, releases
     * held publishes and restores the connection.
     */
    public void clear() {
        broker.clearPublishFaults();
        broker.releasePublishes();
        broker.restoreConnection();
    }
}
