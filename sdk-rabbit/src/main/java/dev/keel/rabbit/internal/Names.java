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
 * {@code T.G.members}), which never holds messages; and the group's claim on these names, {@link #owner}.
 *
 * <p>Topic and group are joined with dots, and both may hold dots: topic {@code a.b} with group {@code g} and topic
 * {@code a} with group {@code b.g} make the same names. Every name of a group is {@code T.G} plus one last segment of
 * its own ({@code .<i>}, {@code .dlx}, {@code .dlq}, {@code .keel-members}, {@code .members}), so two groups share a
 * name exactly when their {@code T.G} are equal. The first group to use {@code T.G} claims it ({@link #owner});
 * another topic and group with the same {@code T.G} is refused.
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

    /**
     * The claim of topic {@code T} and group {@code G} on the names {@code T.G.*}: an internal, durable fanout
     * exchange {@code T.G.keel-owner} whose {@code alternate-exchange} argument is {@link #ownerValue}. RabbitMQ
     * compares that argument when the exchange is declared again and refuses another value
     * ({@code PRECONDITION_FAILED}), so a declaration by another topic and group with the same {@code T.G} fails, in
     * any process. Nothing is bound to it and nothing can be published to it (internal).
     */
    public static String owner(String topic, String group) {
        return topic + "." + group + ".keel-owner";
    }

    /**
     * {@code T.G/<length of T>}: which topic and group claim the names {@code T.G.*} (the joined name alone cannot
     * tell {@code a.b}+{@code g} from {@code a}+{@code b.g}); starts with {@code T.}, as the write permission Keel
     * needs on a topic's names allows (RabbitMQ checks it on an alternate exchange's name).
     */
    public static String ownerValue(String topic, String group) {
        return topic + "." + group + "/" + topic.length();
    }

    /** Fails with a clear message when a topic and group make a queue name longer than AMQP allows. */
    public static void checkFits(String topic, String group, int partitions) {
        List<String> names = new ArrayList<>(List.of(laneQueue(topic, group, partitions - 1),
                deadLetterExchange(topic, group), deadLetterQueue(topic, group), owner(topic, group)));
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
