package dev.keel.rocket;

/**
 * The outcome of a local transaction, as a {@link LocalTransaction} or a {@link TransactionChecker}
 * reports it to the RocketMQ broker.
 */
public enum TransactionOutcome {
    /** The local transaction committed: the broker delivers the message. */
    COMMIT,
    /** The local transaction rolled back: the broker drops the message, consumers never see it. */
    ROLLBACK,
    /**
     * Not known yet (the transaction may still be running, or its commit's answer was lost): the broker
     * asks the {@link TransactionChecker} again later, up to its {@code transactionCheckMax} times.
     */
    UNKNOWN
}
