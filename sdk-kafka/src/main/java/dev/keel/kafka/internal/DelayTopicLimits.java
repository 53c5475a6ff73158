package dev.keel.kafka.internal;

import dev.keel.PublishException;
import dev.keel.kafka.KafkaConfig;
import dev.keel.spi.OutboundRecord;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.config.TopicConfig;

/**
 * What a topic {@code T} refuses that its delay topic must refuse too, so that a delayed publish {@code T} would
 * refuse fails at publish (as an undelayed one does) instead of being confirmed and refused when it is due: its
 * {@code max.message.bytes} (copied to the delay topic, and kept in step when {@code T} changes), and a record
 * without a key when {@code T} is compacted (checked by the publisher: the delay topic itself must not be
 * compacted, or it would drop the waiting records of a key but the last). {@code T}'s timestamp limits are not
 * copied: a forward is stamped with the time it is made. The delay topic keeps its records at least
 * {@link #MIN_RETENTION} (the longest delay and a day), whatever the broker's default retention, and deletes none
 * by size ({@code retention.bytes} -1, whatever {@code log.retention.bytes} says): a record deleted before it is due
 * would be lost. Immutable.
 */
final class DelayTopicLimits {

    /** The shortest {@code retention.ms} a delay topic gets: the longest delay and a day. */
    static final Duration MIN_RETENTION = KafkaConfig.MAX_DELAY.plus(Duration.ofDays(1));
    /** {@code retention.bytes} of a delay topic: no size limit, which would delete records before they are due. */
    static final String UNLIMITED = "-1";

    /** The settings of {@code T} its delay topic copies. */
    static final Set<String> COPIED = Set.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
    /** Nothing known ({@code T} does not exist yet): nothing copied or checked. */
    static final DelayTopicLimits UNKNOWN = new DelayTopicLimits(Map.of(), false);

    private final Map<String, String> copied;
    private final boolean compacted;

    private DelayTopicLimits(Map<String, String> copied, boolean compacted) {
        this.copied = Map.copyOf(copied);
        this.compacted = compacted;
    }

    /** The limits in {@code T}'s effective configuration. */
    static DelayTopicLimits of(Map<String, String> topicConfigs) {
        Map<String, String> copied = new HashMap<>();
        for (String name : COPIED) {
            String value = topicConfigs.get(name);
            if (value != null) {
                copied.put(name, value);
            }
        }
        String policy = topicConfigs.getOrDefault(TopicConfig.CLEANUP_POLICY_CONFIG, "");
        return new DelayTopicLimits(copied, policy.contains(TopicConfig.CLEANUP_POLICY_COMPACT));
    }

    /** The configuration a new delay topic gets: the copied limits, never compacted, kept long enough. */
    Map<String, String> forCreation() {
        Map<String, String> configs = new HashMap<>(copied);
        configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
        configs.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(MIN_RETENTION.toMillis()));
        configs.put(TopicConfig.RETENTION_BYTES_CONFIG, UNLIMITED);
        return configs;
    }

    /**
     * The settings the delay topic's effective configuration must change: the copied limits it differs in, and its
     * {@code retention.ms} when under {@link #MIN_RETENTION}.
     */
    Map<String, String> differences(Map<String, String> delayTopicConfigs) {
        Map<String, String> differing = new HashMap<>();
        copied.forEach((name, value) -> {
            if (!value.equals(delayTopicConfigs.get(name))) {
                differing.put(name, value);
            }
        });
        if (retentionMillis(delayTopicConfigs) < MIN_RETENTION.toMillis()) {
            differing.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(MIN_RETENTION.toMillis()));
        }
        if (limitsSize(delayTopicConfigs)) {
            differing.put(TopicConfig.RETENTION_BYTES_CONFIG, UNLIMITED);
        }
        return differing;
    }

    /** Whether a topic's effective {@code retention.bytes} deletes records by size (anything but -1 or unknown). */
    static boolean limitsSize(Map<String, String> topicConfigs) {
        String value = topicConfigs.get(TopicConfig.RETENTION_BYTES_CONFIG);
        try {
            return value != null && Long.parseLong(value.trim()) >= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A topic's {@code retention.ms} in its effective configuration; {@code Long.MAX_VALUE} for none (-1) or unknown. */
    static long retentionMillis(Map<String, String> topicConfigs) {
        String value = topicConfigs.get(TopicConfig.RETENTION_MS_CONFIG);
        try {
            long millis = value == null ? -1 : Long.parseLong(value.trim());
            return millis < 0 ? Long.MAX_VALUE : millis;
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Fails a record {@code T} refuses whatever the delay topic's settings: one without a key when {@code T} is
     * compacted (non-retriable, as Kafka refuses it undelayed).
     */
    void check(OutboundRecord delayed) {
        if (compacted && delayed.key() == null) {
            throw new PublishException("Kafka rejected the record (topic " + delayed.topic() + "): message "
                    + delayed.id() + " has no key and " + delayed.topic() + " is compacted (cleanup.policy=compact), "
                    + "which takes only records with a key; give the message a key", null, false);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DelayTopicLimits l && l.copied.equals(copied) && l.compacted == compacted;
    }

    @Override
    public int hashCode() {
        return Objects.hash(copied, compacted);
    }

    @Override
    public String toString() {
        return "DelayTopicLimits{" + copied + (compacted ? ", compacted" : "") + "}";
    }
}
