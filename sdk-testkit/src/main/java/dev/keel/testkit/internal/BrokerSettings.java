package dev.keel.testkit.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * How an in-memory broker behaves; validated by {@link dev.keel.testkit.InMemoryBroker.Builder}.
 *
 * @param autoCreateTopics     whether a publish or consumer for an undeclared topic creates it
 * @param autoCreatePartitions the partition count of an auto-created topic
 * @param maxBatchSize         the most records handed to one {@code DeliverySink.accept}
 * @param commitOnAck          commit the contiguous acknowledged prefix on every ack (true), or only
 *                             on close and rebalance (false, like a long auto-commit interval)
 * @param revokeMargin         added to a consumer's revoke timeout while a rebalance waits for it
 */
public record BrokerSettings(boolean autoCreateTopics, int autoCreatePartitions, int maxBatchSize, boolean commitOnAck,
                             Duration revokeMargin) {
    public BrokerSettings {
        if (autoCreatePartitions < 1) {
            throw new IllegalArgumentException("autoCreatePartitions must be >= 1, was " + autoCreatePartitions);
        }
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be >= 1, was " + maxBatchSize);
        }
        Objects.requireNonNull(revokeMargin, "revokeMargin");
    }
}
