package dev.keel.rocket;

/**
 * Answers the broker's check-back for a half message whose outcome it never received (the producer
 * crashed between the half message and the outcome, the outcome was {@link TransactionOutcome#UNKNOWN},
 * or its one-way request was lost). The broker asks some live producer of the same producer group, so
 * every process of the group must be able to answer for any other's transactions: look in your database
 * (for example: is there an order row with this message id?).
 *
 * <p>Answer {@link TransactionOutcome#UNKNOWN} while the local transaction may still be running; the
 * broker asks again after its check interval. Runs on a thread of the publisher, never the publishing
 * thread; a thrown exception counts as {@code UNKNOWN}.
 */
@FunctionalInterface
public interface TransactionChecker {

    /** Whether the local transaction of {@code message} committed, rolled back, or is not known yet. */
    TransactionOutcome check(HalfMessage message) throws Exception;
}
