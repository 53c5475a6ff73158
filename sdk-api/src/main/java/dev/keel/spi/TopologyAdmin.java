package dev.keel.spi;

import dev.keel.TopicSpec;
import java.util.Optional;

/**
 * An optional ability of a {@link BrokerAdapter}: describing and deleting what Keel created on the
 * broker for a topic. The Kafka, RabbitMQ and in-memory adapters implement it; check with
 * {@code adapter instanceof TopologyAdmin}.
 */
public interface TopologyAdmin {

    /**
     * The topic as the broker has it: its partitions, replication, and the consumer groups Keel
     * declared for it where the broker keeps them (RabbitMQ and the in-memory broker; Kafka groups
     * need no declaration, so none are reported). Empty when the topic does not exist.
     *
     * @throws dev.keel.KeelException when the broker cannot tell (retriable when it is unreachable)
     */
    Optional<TopicSpec> describeTopology(String topic);

    /**
     * Whether a topic keeps its messages per declared group, so that a group {@link #describeTopology} does not list
     * has none of them (RabbitMQ: queues per group); false (the default) where any group can read a topic (Kafka).
     */
    default boolean keepsMessagesPerGroup() {
        return false;
    }

    /**
     * Deletes the topic and everything Keel created for it (RabbitMQ: the exchange, the partition
     * queues of every group, the groups' member and dead-letter queues, the partition-count marker,
     * the delay queues; Kafka: the topic and its delay topic), with the messages in it. Returns once it is gone; nothing happens when the
     * topic does not exist. A dead-letter topic is a topic of its own: delete it by its name.
     * Close the subscriptions of the topic first.
     *
     * @throws dev.keel.KeelException when the broker refuses or cannot be reached
     */
    void deleteTopology(String topic);
}
