package dev.keel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Publishes byte-payload messages with broker confirmation. Thread-safe. For typed values bound to
 * one topic and codec, use a {@link TypedPublisher} ({@code keel.publisher(topic, codec)}), which
 * publishes through this same publisher.
 *
 * <p>A publish succeeds only when the broker has confirmed the message durable (Kafka acks=all
 * with idempotence, RabbitMQ publisher confirm of a routed persistent message, RocketMQ SEND_OK).
 * Otherwise it fails with a {@link KeelException}: {@link UnroutableException},
 * {@link PublishException}, {@link KeelTimeoutException}, {@link BrokerUnavailableException} or
 * {@link ClosedException}. It never succeeds silently. Retriable failures are retried with the
 * same message id, so a consumer can recognise the copy.
 *
 * <p>Each method comes in two forms: {@code publish} blocks until the broker confirmed and throws
 * the typed exception itself; {@code publishAsync} returns a stage that completes with the receipt
 * or exceptionally with the typed exception.
 *
 * <p><b>When the in-flight window is full</b> ({@link PublisherConfig#maxInFlight()} publishes are
 * in flight), both forms wait in the calling thread for room, up to {@link PublisherConfig#timeout()};
 * if no room frees in that time the publish fails with {@link KeelTimeoutException} (thrown by
 * {@code publish}, in the stage of {@code publishAsync}) without being sent. Once sent, the
 * confirmation has its own {@link PublisherConfig#timeout()}. Room frees when a publish was
 * confirmed or failed. A publish that timed out starts no further retry, but its room frees only
 * once its send still running at the broker, if any, has finished (confirmed or failed): so the
 * window bounds the sends outstanding at the broker too, also while the broker is slow.
 *
 * <p><b>Order.</b> Messages with one key go to one partition (queue). A publish made after the
 * previous publish of its key completed (the blocking call returned, or its stage completed) is
 * stored after it, retries included. Concurrent publishes of one key (several {@code publishAsync}
 * stages outstanding, or {@code publishAll}) are sent pipelined: if the broker fails one with a
 * retriable error, Keel sends it again after its backoff, and by then the later messages of its key
 * may be stored already, so an engine retry can reorder them (retries inside the broker client keep
 * order, such as those of Kafka's idempotent producer). {@link PublisherConfig#sequentialPerKey()}
 * keeps them in order, at the cost of one broker round trip per message of a key.
 */
public interface Publisher extends AutoCloseable {

    /**
     * Publishes one message; assigns a time-ordered id when it has none. May wait for room in the
     * in-flight window (see the class description).
     *
     * @return a stage completing with the broker's receipt, or exceptionally with a {@link KeelException}
     *         (or {@link IllegalArgumentException} for an invalid topic name)
     */
    CompletionStage<PublishReceipt> publishAsync(String topic, Message message);

    /**
     * Publishes several messages, pipelined (each through {@link #publishAsync}, in order); completes
     * when all are confirmed, with the receipts in the order of {@code messages}, or exceptionally
     * with a failure (the others are still published; their own outcome is not reported).
     */
    default CompletionStage<List<PublishReceipt>> publishAllAsync(String topic, List<Message> messages) {
        List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>(messages.size());
        for (Message message : messages) {
            sent.add(publishAsync(topic, message).toCompletableFuture());
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
                .thenApply(v -> sent.stream().map(CompletableFuture::join).toList());
    }

    /**
     * Publishes one message and waits until the broker confirmed it.
     *
     * @return the broker's receipt
     * @throws KeelException the typed failure ({@link UnroutableException}, {@link PublishException},
     *         {@link KeelTimeoutException}, {@link BrokerUnavailableException}, {@link ClosedException});
     *         {@link ClosedException} also when the calling thread is interrupted while waiting
     *         (its interrupt flag is set again; the message may still be confirmed, with the same id)
     * @throws IllegalArgumentException for an invalid topic name
     */
    default PublishReceipt publish(String topic, Message message) {
        return Confirmations.await(publishAsync(topic, message), topic);
    }

    /**
     * Publishes several messages, pipelined, and waits until all are confirmed.
     *
     * @return the receipts, in the order of {@code messages}
     * @throws KeelException the first failure, as {@link #publish(String, Message)} throws it (the
     *         other messages are still published)
     */
    default List<PublishReceipt> publishAll(String topic, List<Message> messages) {
        return Confirmations.await(publishAllAsync(topic, messages), topic);
    }

    /** Stops accepting publishes and completes when every pending publish has completed or failed. */
    CompletionStage<Void> closeAsync();

    /** Closes and waits: every pending future is completed or failed when this returns. */
    @Override
    void close();
}
