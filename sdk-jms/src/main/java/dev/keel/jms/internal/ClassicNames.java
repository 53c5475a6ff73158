package dev.keel.jms.internal;

import java.util.OptionalInt;

/**
 * How Keel names what it declares on ActiveMQ Classic. A topic {@code T} is the virtual topic
 * {@code VirtualTopic.T} (the broker's default virtual-topic naming), each group {@code G} its
 * consumer queue {@code Consumer.G.VirtualTopic.T}, to which the broker copies every message sent
 * to the virtual topic. The topic's partition count is kept in the name of an empty marker queue,
 * {@code keel-topic.<partitions>.T}, so a topic's whole topology is a set of queue names.
 */
public final class ClassicNames {
    public static final String VIRTUAL_TOPIC = "VirtualTopic.";
    /**
     * The property of the message Keel sends to a queue it created and takes back at once, so that the broker's
     * journal holds the queue (see {@code ClassicAdmin}); a member that receives one acknowledges it unhandled.
     */
    public static final String ANCHOR = "KeelQueueAnchor";
    private static final String CONSUMER = "Consumer.";
    private static final String MARKER = "keel-topic.";

    private ClassicNames() {
    }

    /** The virtual topic a message of {@code topic} is sent to. */
    public static String virtualTopic(String topic) {
        return VIRTUAL_TOPIC + topic;
    }

    /** The consumer queue of {@code group} on {@code topic}'s virtual topic. */
    public static String groupQueue(String topic, String group) {
        return CONSUMER + group + "." + VIRTUAL_TOPIC + topic;
    }

    /** The group a queue belongs to on {@code topic}, or null when it is not a consumer queue of that topic. */
    public static String groupOf(String topic, String queue) {
        String suffix = "." + VIRTUAL_TOPIC + topic;
        if (!queue.startsWith(CONSUMER) || !queue.endsWith(suffix)) {
            return null;
        }
        String group = queue.substring(CONSUMER.length(), queue.length() - suffix.length());
        return group.isEmpty() || group.indexOf('.') >= 0 ? null : group;
    }

    /** The marker queue that records {@code topic}'s partitions. */
    public static String marker(String topic, int partitions) {
        return MARKER + partitions + "." + topic;
    }

    /** The partitions a marker queue of {@code topic} records, or empty when the queue is none. */
    public static OptionalInt partitionsOf(String topic, String queue) {
        int end = queue.length() - topic.length() - 1;
        if (!queue.startsWith(MARKER) || !queue.endsWith("." + topic) || end <= MARKER.length()) {
            return OptionalInt.empty(); // the last: another topic's marker that ends with this topic's whole name
        }
        String number = queue.substring(MARKER.length(), end);
        if (number.isEmpty() || number.length() > 4 || !number.chars().allMatch(Character::isDigit)) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(Integer.parseInt(number));
    }

    /** The message group of a key's partition: every key of a partition is one group of the broker. */
    public static String messageGroup(int partition) {
        return "keel-p" + partition;
    }

    /**
     * Whether {@code group} can name a consumer queue: the broker matches {@code Consumer.*.VirtualTopic.T}, where
     * {@code *} is one dot-free name segment.
     */
    public static boolean isUsableGroup(String group) {
        return !group.isEmpty() && group.indexOf('.') < 0;
    }
}
