package dev.keel.rabbit.internal;

import java.nio.charset.StandardCharsets;

/**
 * The names of what Keel declares on RabbitMQ for a topic {@code T} and consumer group {@code G}:
 * exchange {@code T} (direct), lane queues {@code T.G.<i>} bound with routing key {@code <i>},
 * dead-letter exchange {@code T.G.dlx} and queue {@code T.G.dlq}, the group's member queue
 * {@code T.G.members} (never holds messages), and the lane-count marker queue {@code T.keel-lanes}.
 */
public final class Names {

    /** AMQP short strings (exchange and queue names) hold at most 255 bytes. */
    public static final int MAX_NAME_BYTES = 255;
    public static final String LANES_MARKER_SUFFIX = ".keel-lanes";

    private Names() {
    }

    public static String exchange(String topic) {
        return topic;
    }

    public static String laneQueue(String topic, String group, int lane) {
        return topic + "." + group + "." + lane;
    }

    public static String routingKey(int lane) {
        return Integer.toString(lane);
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

    public static String lanesMarker(String topic) {
        return topic + LANES_MARKER_SUFFIX;
    }

    /** Fails with a clear message when a topic and group make a queue name longer than AMQP allows. */
    public static void checkFits(String topic, String group, int lanes) {
        String longest = laneQueue(topic, group, lanes - 1);
        String[] names = {longest, deadLetterExchange(topic, group), deadLetterQueue(topic, group),
            membersQueue(topic, group), lanesMarker(topic)};
        for (String name : names) {
            if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                throw new IllegalArgumentException("topic '" + topic + "' with group '" + group
                        + "' makes the RabbitMQ name '" + name + "' longer than " + MAX_NAME_BYTES
                        + " bytes: use shorter topic or group names");
            }
        }
    }
}
