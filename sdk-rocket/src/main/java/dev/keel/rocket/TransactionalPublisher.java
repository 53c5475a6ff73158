package dev.keel.rocket;

import dev.keel.Message;

/**
 * Publishes RocketMQ transactional messages: the message is stored on the broker as a half message
 * (invisible to consumers), your {@link LocalTransaction} runs, and its outcome commits the message
 * (consumers get it) or rolls it back (nobody ever does). When the outcome never reaches the broker,
 * the broker asks the producer group's {@link TransactionChecker}. Get one from
 * {@link RocketAdapter#transactionalPublisher}.
 *
 * <p>Messages carry Keel's headers ({@code keel-id}, {@code keel-key}, {@code keel-ts}), so Keel
 * consumers deduplicate them by id like any other message; a message can reach the topic twice (a
 * check-back answered while the outcome was on its way) and the copy has the same id.
 *
 * <p>Thread-safe. It bypasses Keel's publisher (no interceptors, publish retries or circuit breaker)
 * and does not keep a key's publish order: RocketMQ picks the queue of a transactional message.
 */
public interface TransactionalPublisher extends AutoCloseable {

    /**
     * Stores {@code message} as a half message on {@code topic}, runs {@code localTransaction} on this
     * thread, and sends its outcome; returns once the half message was confirmed ({@code SEND_OK}) and the
     * broker answered the outcome ({@link TransactionReceipt#outcome()} says whether it took it). While the local
     * transaction runs, and until the broker confirmed its outcome, this publisher answers the broker's check-backs
     * of the message itself ({@code UNKNOWN}, then the outcome) without asking the {@link TransactionChecker}.
     *
     * @throws dev.keel.UnroutableException the topic does not exist (the local transaction did not run)
     * @throws dev.keel.PublishException    the half message was not stored, so the local transaction did not
     *                                      run ({@code isRetriable()} says whether publishing again may work),
     *                                      or the local transaction threw (its exception is the cause, not
     *                                      retriable: the checker decides the message's outcome)
     * @throws dev.keel.ClosedException     the publisher is closed
     */
    TransactionReceipt publish(String topic, Message message, LocalTransaction localTransaction);

    /**
     * The producer group: every process publishing with the same group must answer check-backs the
     * same way.
     */
    String producerGroup();

    /**
     * Refuses new publishes, waits up to the adapter's {@code closeTimeout} for those under way to send their
     * outcome, then stops the producer. A publish whose local transaction is still open after that returns the
     * outcome {@code UNKNOWN}: the broker asks the group's other live producers (or this process once restarted).
     */
    @Override
    void close();
}
