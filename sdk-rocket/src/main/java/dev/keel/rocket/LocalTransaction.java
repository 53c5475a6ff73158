package dev.keel.rocket;

/**
 * Your local transaction (for example a JDBC insert of the order row), run by
 * {@link TransactionalPublisher#publish} after the broker stored the half message and before the
 * message is committed or rolled back. Runs on the publishing thread.
 *
 * <p>Store {@link HalfMessage#id()} (or something that finds it, such as the order id in the message
 * key) with your rows in the same transaction: the {@link TransactionChecker} needs it to answer the
 * broker if this outcome never reaches it.
 */
@FunctionalInterface
public interface LocalTransaction {

    /**
     * Runs the local transaction and says how it ended. Throwing counts as {@link TransactionOutcome#UNKNOWN}
     * (a failed commit may still have committed), so the {@link TransactionChecker} decides; the publish then
     * fails with the exception as its cause.
     */
    TransactionOutcome execute(HalfMessage message) throws Exception;
}
