package dev.keel.rocket;

import java.util.Objects;

/**
 * What a {@link TransactionalPublisher#publish} returns: the message's id and the outcome sent to the
 * broker. {@link TransactionOutcome#UNKNOWN} means the broker will ask the {@link TransactionChecker}.
 *
 * @param topic         the topic
 * @param id            Keel's message id ({@code keel-id}), the one assigned when the message had none
 * @param transactionId RocketMQ's transaction id of the half message (shown by its tools)
 * @param outcome       the outcome the local transaction reported and the publisher sent
 */
public record TransactionReceipt(String topic, String id, String transactionId, TransactionOutcome outcome) {

    public TransactionReceipt {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(outcome, "outcome");
    }
}
