package dev.keel;

import java.util.Objects;

/**
 * The broker's confirmation of a publish, in the same terms on every broker.
 *
 * @param topic     the topic published to
 * @param messageId the message's idempotency id (assigned if the message had none)
 * @param partition the partition number the message went to, as a string: the Kafka partition, the
 *                  RocketMQ queue id, or on RabbitMQ the number {@code i} of the partition queues
 *                  {@code <topic>.<group>.<i>} (one per group)
 * @param offset    its position in that partition where the broker reports one at publish time
 *                  (Kafka, the in-memory broker), else {@code -1} (RabbitMQ)
 */
public record PublishReceipt(String topic, String messageId, String partition, long offset) {
    public PublishReceipt {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(partition, "partition");
    }
}
