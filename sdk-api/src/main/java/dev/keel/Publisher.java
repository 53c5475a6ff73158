package dev.keel;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Publishes messages with broker confirmation. Thread-safe.
 *
 * <p>A returned stage completes normally only when the broker has confirmed the message durable
 * (Kafka acks=all with idempotence, RabbitMQ publisher confirm of a routed persistent message,
 * RocketMQ SEND_OK). Otherwise it completes exceptionally with a {@link KeelException}:
 * {@link UnroutableException}, {@link PublishException}, {@link KeelTimeoutException},
 * {@link BrokerUnavailableException} or {@link ClosedException}. It never succeeds silently.
 * Retriable failures are retried with the same message id, so a consumer can recognise the copy.
 */
public interface Publisher extends AutoCloseable {

    /** Publishes one message; assigns a time-ordered id when it has none. */
    CompletionStage<PublishReceipt> publish(String topic, Message message);

    /**
     * Publishes several messages, pipelined; completes when all are confirmed, or exceptionally
     * with the first failure (the others are still published; their own outcome is not reported).
     */
    CompletionStage<List<PublishReceipt>> publishAll(String topic, List<Message> messages);

    /** Stops accepting publishes and completes when every pending publish has completed or failed. */
    CompletionStage<Void> closeAsync();

    /** Closes and waits: every pending future is completed or failed when this returns. */
    @Override
    void close();
}
