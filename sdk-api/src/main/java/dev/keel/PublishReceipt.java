package dev.keel;

import java.util.Objects;

/**
 * The broker's confirmation of a publish.
 *
 * @param topic     the topic published to
 * @param messageId the message's idempotency id (assigned if the message had none)
 * @param partition the partition (Kafka, RocketMQ queue id), or the lane number (RabbitMQ: one lane queue per group)
 * @param offset    its offset where the broker reports one at publish time, else {@code -1}
 */
public record PublishReceipt(String topic, String messageId, String partition, long offset) {
    public PublishReceipt {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(partition, "partition");
    }
}
