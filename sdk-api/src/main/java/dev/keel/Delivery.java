package dev.keel;

import java.util.Map;
import java.util.Objects;

/**
 * One delivery of a message to a handler.
 *
 * @param message   the message as received (id, key, application headers, payload, timestamp)
 * @param payload   the payload decoded by the subscription's codec; {@code null} only for a dead letter (it
 *                  carries {@link KeelHeaders#DLT_REASON}) that a reader with
 *                  {@link dev.keel.retry.DeadLetterPolicy#none()} cannot decode, such as one dead-lettered
 *                  because the origin could not decode it either: its bytes are in
 *                  {@code message().payload()}
 * @param attempt   1 for the first attempt, counting in-place retries and broker redeliveries
 *                  where the broker reports them
 * @param topic     the topic it was consumed from
 * @param partition the partition (Kafka, RocketMQ queue id) or queue (RabbitMQ) it came from
 * @param position  its broker position: offset (Kafka, RocketMQ) or delivery tag (RabbitMQ)
 * @param keelHeaders Keel's own headers as received ({@link KeelHeaders}: {@code keel-id}, {@code keel-key},
 *                  {@code keel-ts}, and the {@code keel-dlt-*} cause, attempts and origin on a dead letter).
 *                  On Kafka the key and timestamp travel in the record, not as {@code keel-key} and
 *                  {@code keel-ts}: those appear only on records written by an earlier Keel version; read
 *                  {@link #key()} and the message's timestamp instead
 */
public record Delivery<T>(Message message, T payload, int attempt, String topic, String partition, long position,
                          Map<String, String> keelHeaders) {

    public Delivery {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(partition, "partition");
        keelHeaders = Map.copyOf(keelHeaders);
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
        }
    }

    /** The idempotency id; use it to make the handler's own writes idempotent too. */
    public String id() {
        return message.id();
    }

    /** The ordering key, or {@code null}. */
    public String key() {
        return message.key();
    }

    /** Application headers. */
    public Map<String, String> headers() {
        return message.headers();
    }

    /** Never prints the payload. */
    @Override
    public String toString() {
        return "Delivery{id=" + id() + ", key=" + key() + ", attempt=" + attempt + ", topic=" + topic
                + ", partition=" + partition + ", position=" + position + "}";
    }
}
