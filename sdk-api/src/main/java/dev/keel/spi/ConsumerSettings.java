package dev.keel.spi;

import dev.keel.HeaderFilter;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What the engine tells an adapter about a consumer it wants.
 *
 * @param topic           the topic to consume
 * @param group           the consumer group
 * @param maxInFlight     the most records the engine holds unacknowledged (a prefetch bound)
 * @param revokeTimeout   how long a rebalance waits for revoked partitions' work to finish
 * @param deadLetterTopic where the subscription publishes its dead letters, resolved from its
 *                        {@link dev.keel.retry.DeadLetterPolicy} (see
 *                        {@link BrokerAdapter#defaultDeadLetterTopic}): the consumer ensures it
 *                        exists and keeps them for {@code group}; empty for a consumer that
 *                        dead-letters nothing (a raw reader)
 * @param filter          the subscription's header filter: an adapter that declares
 *                        {@link Capability#BROKER_FILTER} has the broker apply it where the broker
 *                        allows; others ignore it (the engine filters what they deliver, in every
 *                        case); empty for every message
 * @param broadcastInstance present for a broadcast subscription: the id of this instance of the
 *                        service. The consumer then receives every message of the topic, whatever
 *                        the other instances of {@code group} receive (Kafka: group
 *                        {@code <group>.<instance>}; RabbitMQ: an exclusive queue of this instance;
 *                        RocketMQ: BROADCASTING). Empty (the default): the group's members share the
 *                        messages
 * @param shared          a shared consumer ({@link Capability#SHARED_CONSUMPTION}; Kafka: a share group): the
 *                        group's members take the messages one by one with no partition owned by a member,
 *                        and each record can also be {@link InboundRecord#release() released}. Never with
 *                        {@code broadcastInstance}
 */
public record ConsumerSettings(String topic, String group, int maxInFlight, Duration revokeTimeout,
                               Optional<String> deadLetterTopic, Optional<HeaderFilter> filter,
                               Optional<String> broadcastInstance, boolean shared) {

    /** Checks every value. */
    public ConsumerSettings {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(group, "group");
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
        }
        Objects.requireNonNull(revokeTimeout, "revokeTimeout");
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        if (deadLetterTopic.filter(topic::equals).isPresent()) {
            throw new IllegalArgumentException("the dead-letter topic must differ from the consumed topic '" + topic
                    + "'");
        }
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(broadcastInstance, "broadcastInstance");
        if (shared && broadcastInstance.isPresent()) {
            throw new IllegalArgumentException("a shared consumer cannot be a broadcast one");
        }
    }

    /** A consumer whose group's members own partitions (not {@link #shared()}). */
    public ConsumerSettings(String topic, String group, int maxInFlight, Duration revokeTimeout,
                            Optional<String> deadLetterTopic, Optional<HeaderFilter> filter,
                            Optional<String> broadcastInstance) {
        this(topic, group, maxInFlight, revokeTimeout, deadLetterTopic, filter, broadcastInstance, false);
    }

    /** A consumer without a header filter that shares the group's messages with the group's other members. */
    public ConsumerSettings(String topic, String group, int maxInFlight, Duration revokeTimeout,
                            Optional<String> deadLetterTopic) {
        this(topic, group, maxInFlight, revokeTimeout, deadLetterTopic, Optional.empty(), Optional.empty());
    }

    /** Whether this is a broadcast consumer (see {@link #broadcastInstance()}). */
    public boolean broadcast() {
        return broadcastInstance.isPresent();
    }

    /** A consumer that dead-letters nothing (a raw reader below the engine). */
    public ConsumerSettings(String topic, String group, int maxInFlight, Duration revokeTimeout) {
        this(topic, group, maxInFlight, revokeTimeout, Optional.empty());
    }
}
