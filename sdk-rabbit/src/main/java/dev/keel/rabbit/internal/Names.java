package dev.keel.rabbit.internal;

import java.nio.charset.StandardCharsets;

/**
 * The names of what Keel declares on RabbitMQ for a topic {@code T} and consumer group {@code G}:
 * exchange {@code T} (direct), partition queues {@code T.G.<i>} bound with routing key {@code <i>},
 * dead-letter exchange {@code T.G.dlx} and queue {@code T.G.dlq}, the group's member queue
 * {@code T.G.members} (never holds messages), the partition-count marker queue {@code T.keel-lanes}
 * and the topology record queue {@code T.keel-topology} (what was declared: the topic's settings and
 * its groups).
 */
public final class Names {

    /** AMQP short strings (exchange and queue names) hold at most 255 bytes. */
    public static final int MAX_NAME_BYTES = 255;
    /** The marker queue's suffix; the name stays as it was so that existing topics keep working. */
    public static final String LANES_MARKER_SUFFIX = ".keel-lanes";
    public static final String TOPOLOGY_RECORD_SUFFIX = ".keel-topology";

    private Names() {
    }

    public static String exchange(String topic) {
        return topic;
    }

    /** The partition queue {@code partition} of a group (called a lane queue in older releases). */
    public static String laneQueue(String topic, String group, int partition) {
        return topic + "." + group + "." + partition;
    }

    public static String routingKey(int partition) {
        return Integer.toString(partition);
    }

    public static String deadLetterExchange(String topic, String group) {
        return topic + "." + group + ".dlx";
    }

    public static String deadLetterQueue(String topic, String group) {
        return topic + "." + group + ".dlq";
    }

    /** A classic queue whose consumer count is the number of running members of the group. */
    public static String membersQueue(String topic, String group) {
        return topic + "." + group + ".members";
    }

    /** A classic queue holding N empty messages: the topic's partition count. */
    public static String lanesMarker(String topic) {
        return topic + LANES_MARKER_SUFFIX;
    }

    /** A classic queue holding one message per declaration: the topic's settings and each group. */
    public static String topologyRecord(String topic) {
        return topic + TOPOLOGY_RECORD_SUFFIX;
    }

    /** Fails with a clear message when a topic and group make a queue name longer than AMQP allows. */
    public static void checkFits(String topic, String group, int partitions) {
        String longest = laneQueue(topic, group, partitions - 1);
        String[] names = {longest, deadLetterExchange(topic, group), deadLetterQueue(topic, group),
            membersQueue(topic, group), lanesMarker(topic), topologyRecord(topic)};
        for (String name : names) {
            if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                throw new IllegalArgumentException("topic '" + topic + "' with group '" + group
                        + "' makes the RabbitMQ name '" + name + "' longer than " + MAX_NAME_BYTES
                        + " bytes: use shorter topic or group names");
            }
        }
    }
}
