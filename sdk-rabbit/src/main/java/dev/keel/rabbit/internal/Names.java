package dev.keel.rabbit.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The names of what Keel declares on RabbitMQ for a topic {@code T} and consumer group {@code G}:
 * exchange {@code T} (direct), partition queues {@code T.G.<i>} bound with routing key {@code <i>},
 * dead-letter exchange {@code T.G.dlx} and queue {@code T.G.dlq}; and the metadata queues named by
 * {@link MetadataQueues}: the partition-count marker ({@code T.keel-partitions}, or classic
 * {@code T.keel-lanes}), the record of what was declared ({@code T.keel-record}, or classic
 * {@code T.keel-topology}) and the group's member queue ({@code T.G.keel-members}, or classic
 * {@code T.G.members}), which never holds messages.
 */
public final class Names {

    /** AMQP short strings (exchange and queue names) hold at most 255 bytes. */
    public static final int MAX_NAME_BYTES = 255;

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

    /** Fails with a clear message when a topic and group make a queue name longer than AMQP allows. */
    public static void checkFits(String topic, String group, int partitions) {
        List<String> names = new ArrayList<>(List.of(laneQueue(topic, group, partitions - 1),
                deadLetterExchange(topic, group), deadLetterQueue(topic, group)));
        for (MetadataQueues form : MetadataQueues.values()) {
            names.add(form.marker(topic));
            names.add(form.record(topic));
            names.add(form.members(topic, group));
        }
        for (String name : names) {
            if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                throw new IllegalArgumentException("topic '" + topic + "' with group '" + group
                        + "' makes the RabbitMQ name '" + name + "' longer than " + MAX_NAME_BYTES
                        + " bytes: use shorter topic or group names");
            }
        }
    }
}
