package dev.keel.rabbit.internal;

import dev.keel.rabbit.QueueType;
import java.util.HashMap;
import java.util.Map;

/**
 * The queues in which Keel keeps what AMQP cannot read back about a topic: its partition count (the
 * marker, holding N empty messages), its record (what was declared) and, per group, the member queue
 * whose consumer count is the number of running members. Two forms exist; readers look at both, a
 * writer declares the one that goes with its partition queues ({@link #writtenWith}).
 *
 * <ul>
 *   <li>{@link #QUORUM}: quorum queues, replicated like quorum partition queues, so that losing a
 *       node of a cluster takes none of it away. Declared since this form was introduced.</li>
 *   <li>{@link #CLASSIC}: classic queues, as earlier releases declared them and as Keel still does
 *       with classic partition queues. A classic queue lives on the node the declaring connection was
 *       on: while that node is down RabbitMQ answers {@code NOT_FOUND - home node ... is down or
 *       inaccessible} for it.</li>
 * </ul>
 */
enum MetadataQueues {

    QUORUM(QueueType.QUORUM, ".keel-partitions", ".keel-record", ".keel-members"),
    CLASSIC(QueueType.CLASSIC, ".keel-lanes", ".keel-topology", ".members");

    /**
     * Quorum queues of RabbitMQ 4 drop a message returned more than 20 times unless told otherwise;
     * every read of the record returns its messages once.
     */
    private static final int UNLIMITED_RETURNS = Integer.MAX_VALUE;

    private final QueueType type;
    private final String markerSuffix;
    private final String recordSuffix;
    private final String membersSuffix;

    MetadataQueues(QueueType type, String markerSuffix, String recordSuffix, String membersSuffix) {
        this.type = type;
        this.markerSuffix = markerSuffix;
        this.recordSuffix = recordSuffix;
        this.membersSuffix = membersSuffix;
    }

    /** The form a writer whose partition queues are of type {@code partitionQueues} declares. */
    static MetadataQueues writtenWith(QueueType partitionQueues) {
        return partitionQueues == QueueType.QUORUM ? QUORUM : CLASSIC;
    }

    /** The other form. */
    MetadataQueues other() {
        return this == QUORUM ? CLASSIC : QUORUM;
    }

    /** {@code T.keel-partitions} (quorum) or {@code T.keel-lanes} (classic): N empty messages. */
    String marker(String topic) {
        return topic + markerSuffix;
    }

    /** {@code T.keel-record} (quorum) or {@code T.keel-topology} (classic): one message per declaration. */
    String record(String topic) {
        return topic + recordSuffix;
    }

    /** {@code T.G.keel-members} (quorum) or {@code T.G.members} (classic): never holds a message. */
    String members(String topic, String group) {
        return topic + "." + group + membersSuffix;
    }

    /** The marker's arguments: at most {@code n} messages, the oldest dropped beyond. */
    Map<String, Object> markerArguments(int n) {
        Map<String, Object> args = typeArgument();
        args.put("x-max-length", n);
        args.put("x-overflow", "drop-head");
        return args;
    }

    Map<String, Object> recordArguments() {
        Map<String, Object> args = typeArgument();
        if (type == QueueType.QUORUM) {
            args.put("x-delivery-limit", UNLIMITED_RETURNS);
        }
        return args;
    }

    Map<String, Object> membersArguments() {
        return typeArgument();
    }

    private Map<String, Object> typeArgument() {
        Map<String, Object> args = new HashMap<>();
        args.put("x-queue-type", type.argument());
        return args;
    }
}
