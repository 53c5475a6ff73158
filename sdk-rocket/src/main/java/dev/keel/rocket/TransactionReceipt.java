package dev.keel.rocket;

import java.util.Objects;

/**
 * What a {@link TransactionalPublisher#publish} returns: the message's id and the outcome the broker took.
 * {@link TransactionOutcome#UNKNOWN} means the broker will check the message back: the local transaction said so
 * (or threw), or the broker did not take its outcome (refused it, did not answer, or the publisher closed first).
 * A receipt never says {@link TransactionOutcome#COMMIT} for a message the broker did not store.
 *
 * @param topic         the topic
 * @param id            Keel's message id ({@code keel-id}), the one assigned when the message had none
 * @param transactionId RocketMQ's transaction id of the half message (shown by its tools)
 * @param outcome       the local transaction's outcome if the broker confirmed it, else {@code UNKNOWN}
 */
public record TransactionReceipt(String topic, String id, String transactionId, TransactionOutcome outcome) {

    public TransactionReceipt {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(outcome, "outcome");
    }
}
