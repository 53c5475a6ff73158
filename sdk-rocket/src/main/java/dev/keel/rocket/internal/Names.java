package dev.keel.rocket.internal;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.common.topic.TopicValidator;

/**
 * RocketMQ's naming rules and Keel's names on RocketMQ: legal topics and groups, the RocketMQ
 * consumer group of a Keel group on a topic, the default dead-letter topic and the partition name
 * of a message queue.
 */
public final class Names {

    /** What RocketMQ allows in topic and group names. */
    static final Pattern LEGAL = Pattern.compile("^[%|a-zA-Z0-9_-]+$");
    public static final int MAX_TOPIC_LENGTH = 127;
    public static final int MAX_GROUP_LENGTH = 120;
    /** Appended to a topic for its default dead-letter topic (RocketMQ names allow no dot). */
    public static final String DEAD_LETTER_SUFFIX = "_DLT";
    private static final String SEPARATOR = "_";
    private static final String RETRY_SUFFIX = "_RETRY";

    private Names() {
    }

    /** Why {@code topic} is not a legal RocketMQ topic name, or {@code null} when it is. */
    public static String topicProblem(String topic) {
        if (topic == null || topic.isEmpty()) {
            return "a RocketMQ topic name must not be empty";
        }
        if (topic.length() > MAX_TOPIC_LENGTH) {
            return "RocketMQ topic names are at most " + MAX_TOPIC_LENGTH + " characters, '" + shorten(topic)
                    + "' has " + topic.length();
        }
        if (!LEGAL.matcher(topic).matches()) {
            return "RocketMQ topic names allow only letters, digits, '-', '_', '%' and '|' (no dots), was '"
                    + shorten(topic) + "'";
        }
        if (topic.startsWith("%") || topic.toUpperCase(Locale.ROOT).startsWith("RMQ_SYS_")
                || TopicValidator.isSystemTopic(topic) || TopicValidator.isNotAllowedSendTopic(topic)) {
            return "'" + shorten(topic) + "' is a RocketMQ system topic name (%RETRY%, %DLQ%, rmq_sys_, TBW102, "
                    + "SCHEDULE_TOPIC_XXXX, the broker and cluster names, ...)";
        }
        return null;
    }

    /** Why {@code group} cannot name a Keel group on RocketMQ, or {@code null} when it can. */
    public static String groupProblem(String group) {
        if (group == null || group.isEmpty()) {
            return "a consumer group name must not be empty";
        }
        if (!LEGAL.matcher(group).matches() || group.contains("%")) {
            return "a consumer group on RocketMQ allows only letters, digits, '-', '_' and '|', was '" + shorten(group)
                    + "'";
        }
        return null;
    }

    /**
     * The RocketMQ consumer group of Keel group {@code group} on {@code topic}:
     * {@code <group>_<topic>_<hash>}, where {@code <hash>} is the CRC-32C of {@code group + '\0' + topic}
     * as 8 hex digits. Group and topic may both contain {@code '_'}, so the hash is what keeps group
     * {@code a} on topic {@code b_c} apart from group {@code a_b} on topic {@code c}. All members of a
     * RocketMQ group must subscribe to the same topics, so a Keel group consuming two topics is two
     * RocketMQ groups. A name over {@value #MAX_GROUP_LENGTH} characters is cut before the hash.
     */
    public static String rocketGroup(String group, String topic) {
        String hash = hash(group + '\0' + topic);
        String name = group + SEPARATOR + topic;
        int room = MAX_GROUP_LENGTH - hash.length() - SEPARATOR.length();
        return (name.length() <= room ? name : name.substring(0, room)) + SEPARATOR + hash;
    }

    /**
     * Whether {@code rocketGroup} is provably the RocketMQ group Keel made for some Keel group on
     * {@code topic}: it is {@code rocketGroup(g, topic)} for the {@code g} its name spells, or for one
     * of {@code knownGroups} (needed for names cut to {@value #MAX_GROUP_LENGTH} characters).
     */
    public static boolean isKeelGroupOf(String rocketGroup, String topic, Iterable<String> knownGroups) {
        return keelGroupOf(rocketGroup, topic, knownGroups).isPresent();
    }

    /**
     * The Keel group {@code g} whose RocketMQ group on {@code topic} is {@code rocketGroup}
     * ({@code rocketGroup(g, topic)} equals it exactly, hash included): the one its name spells, or one of
     * {@code knownGroups}; empty when it is no Keel group of {@code topic}, such as a group of a topic whose name
     * starts or ends with {@code topic}.
     */
    public static Optional<String> keelGroupOf(String rocketGroup, String topic, Iterable<String> knownGroups) {
        String tail = SEPARATOR + topic + SEPARATOR;
        int hashStart = rocketGroup.length() - 8;
        if (hashStart > tail.length() && rocketGroup.startsWith(tail, hashStart - tail.length())) {
            String group = rocketGroup.substring(0, hashStart - tail.length());
            if (rocketGroup.equals(rocketGroup(group, topic))) {
                return Optional.of(group);
            }
        }
        for (String known : knownGroups) {
            if (rocketGroup.equals(rocketGroup(known, topic))) {
                return Optional.of(known);
            }
        }
        return Optional.empty();
    }

    /**
     * The Keel group whose retry topic ({@link #retryTopic}) of {@code topic} is named {@code name}, when its name
     * spells one ({@code <topic>_<group>_RETRY}, not cut); empty otherwise. The name alone does not prove it: topic
     * {@code a}'s group {@code b_g} and topic {@code a_b}'s group {@code g} have the same retry topic name, so a
     * caller checks that {@code rocketGroup(group, name)}, the group Keel declared with it, exists.
     */
    public static Optional<String> retryGroupOf(String name, String topic) {
        String head = topic + SEPARATOR;
        if (!name.startsWith(head) || !name.endsWith(RETRY_SUFFIX)
                || name.length() <= head.length() + RETRY_SUFFIX.length()) {
            return Optional.empty();
        }
        String group = name.substring(head.length(), name.length() - RETRY_SUFFIX.length());
        return groupProblem(group) == null && retryTopic(topic, group).equals(name) ? Optional.of(group)
                : Optional.empty();
    }

    private static String hash(String text) {
        CRC32C crc = new CRC32C();
        crc.update(text.getBytes(StandardCharsets.UTF_8));
        return String.format(Locale.ROOT, "%08x", crc.getValue());
    }

    /**
     * {@code <topic>_DLT}; when that is over {@value #MAX_TOPIC_LENGTH} characters, the topic is cut
     * and followed by {@code _} and 8 hex digits of its CRC-32C before {@code _DLT}, so it stays legal
     * and unique.
     */
    public static String deadLetterTopic(String topic) {
        if (topic.length() + DEAD_LETTER_SUFFIX.length() <= MAX_TOPIC_LENGTH) {
            return topic + DEAD_LETTER_SUFFIX;
        }
        String hash = hash(topic);
        int room = MAX_TOPIC_LENGTH - DEAD_LETTER_SUFFIX.length() - hash.length() - SEPARATOR.length();
        return topic.substring(0, room) + SEPARATOR + hash + DEAD_LETTER_SUFFIX;
    }

    /** The partition name of a queue, as in receipts and deliveries: {@code <broker>:<queueId>}. */
    public static String partition(MessageQueue queue) {
        return partition(queue.getBrokerName(), queue.getQueueId());
    }

    /** {@code <broker>:<queueId>}. */
    public static String partition(String brokerName, int queueId) {
        return brokerName + ":" + queueId;
    }

    static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    /**
     * {@code <topic>_<group>_RETRY} (dots in the group become {@code _}: RocketMQ topic names allow
     * none); when over {@value #MAX_TOPIC_LENGTH} characters, cut and followed by {@code _} and 8 hex
     * digits of the CRC-32C of both names, like {@link #deadLetterTopic}.
     */
    public static String retryTopic(String topic, String group) {
        String name = topic + SEPARATOR + group.replace('.', '_');
        if (name.length() + RETRY_SUFFIX.length() <= MAX_TOPIC_LENGTH) {
            return name + RETRY_SUFFIX;
        }
        String hash = hash(topic + "\n" + group);
        int room = MAX_TOPIC_LENGTH - RETRY_SUFFIX.length() - hash.length() - SEPARATOR.length();
        return name.substring(0, room) + SEPARATOR + hash + RETRY_SUFFIX;
    }
}
