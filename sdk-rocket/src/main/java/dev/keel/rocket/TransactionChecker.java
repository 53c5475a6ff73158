package dev.keel.rocket;

/**
 * Answers the broker's check-back for a half message whose outcome it has not received (the producer
 * crashed between the half message and the outcome, the outcome was {@link TransactionOutcome#UNKNOWN}
 * or did not reach the broker, or the local transaction is still running). The broker asks the live producers
 * of the same producer group in turn, so every process of the group must be able to answer for any other's
 * transactions: look in your database (for example: is there an order row with this message id?). A process is
 * never asked here about its own transactions while it runs them or knows their outcome: its
 * {@link TransactionalPublisher} answers those itself.
 *
 * <p>Answer {@link TransactionOutcome#UNKNOWN} while the local transaction may still be running in another
 * process (no row yet, and {@link HalfMessage#age} below the longest your transactions take); the broker asks
 * again after its check interval. Answer {@link TransactionOutcome#ROLLBACK} for a missing row only after that.
 * Runs on a thread of the publisher, never the publishing thread; a thrown exception counts as {@code UNKNOWN}.
 */
@FunctionalInterface
public interface TransactionChecker {

    /** Whether the local transaction of {@code message} committed, rolled back, or is not known yet. */
    TransactionOutcome check(HalfMessage message) throws Exception;
}
