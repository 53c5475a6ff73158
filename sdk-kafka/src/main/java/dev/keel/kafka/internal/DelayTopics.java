package dev.keel.kafka.internal;

import dev.keel.DelayTooLongException;
import dev.keel.KeelHeaders;
import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.OutboundRecord;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Names and rules of Keel's delay topics on Kafka: a delayed publish to topic {@code T} is written
 * to {@code T.keel-delay} (same key, headers with {@link KeelHeaders#DELIVER_AT}), and a
 * {@link DelayForwarder} in group {@code keel-delay-T} writes it to {@code T} once due.
 */
public final class DelayTopics {

    public static final String SUFFIX = ".keel-delay";
    private static final String GROUP_PREFIX = "keel-delay-";

    private DelayTopics() {
    }

    public static String delayTopic(String topic) {
        return topic + SUFFIX;
    }

    /**
     * What a subscription of {@code topic} needs granted for its delay forwarder, as a refusal's advice: the delay topic
     * read as the forwarder group, and what is due written to {@code topic}.
     */
    static String forwarderGrants(String topic) {
        return "grant its principal Describe and Read on the topic " + delayTopic(topic) + ", Read on the group "
                + forwarderGroup(topic) + " and Write on " + topic + " (docs/security.md), then start the subscription"
                + " again; not retried";
    }

    /** The one group every forwarder of {@code topic} joins, whatever the subscription's group. */
    public static String forwarderGroup(String topic) {
        return GROUP_PREFIX + topic;
    }

    /**
     * Whether {@code record} goes to the delay topic: it is delayed and not yet due.
     *
     * @throws DelayTooLongException past {@link KafkaConfig#MAX_DELAY}
     */
    static boolean goesToDelayTopic(OutboundRecord record, Clock clock) {
        if (!record.delayed()) {
            return false;
        }
        long delay = record.deliverAt().toEpochMilli() - clock.millis();
        if (delay > KafkaConfig.MAX_DELAY.toMillis()) {
            throw new DelayTooLongException(record.id(), Duration.ofMillis(delay), KafkaConfig.MAX_DELAY,
                    "keep delays below the delay topic's retention");
        }
        return delay > 0;
    }

    /** When a record of a delay topic is due (epoch millis): its {@code keel-deliver-at}, else now. */
    static long dueMillis(Headers headers) {
        Header due = headers.lastHeader(KeelHeaders.DELIVER_AT);
        if (due == null || due.value() == null) {
            return Long.MIN_VALUE;
        }
        try {
            return Long.parseLong(new String(due.value(), StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }
}
