package dev.keel.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * What the engine tells an adapter about a consumer it wants.
 *
 * @param topic         the topic to consume
 * @param group         the consumer group
 * @param maxInFlight   the most records the engine holds unacknowledged (a prefetch bound)
 * @param revokeTimeout how long a rebalance waits for revoked partitions' work to finish
 */
public record ConsumerSettings(String topic, String group, int maxInFlight, Duration revokeTimeout) {
    public ConsumerSettings {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(group, "group");
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
        }
        Objects.requireNonNull(revokeTimeout, "revokeTimeout");
    }
}
