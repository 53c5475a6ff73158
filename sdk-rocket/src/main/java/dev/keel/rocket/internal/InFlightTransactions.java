package dev.keel.rocket.internal;

import dev.keel.rocket.TransactionOutcome;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What this process knows of its own transactional messages, by RocketMQ transaction id (the message's
 * {@code UNIQ_KEY}, set before the half message is sent), so that a check-back never has to guess about them:
 * <ul>
 *   <li>from before the half message is sent until its local transaction returns, the transaction runs: the
 *       answer is {@code UNKNOWN} (the broker asks again later), whatever the application's checker would say;</li>
 *   <li>from then until the broker confirmed the outcome, the answer is that outcome ({@code COMMIT} or
 *       {@code ROLLBACK}). An outcome the broker refused or never got is kept until a check-back asked for it;
 *       past {@link #MAX_UNCONFIRMED} such outcomes the oldest is dropped (the checker answers for it).</li>
 * </ul>
 * A local transaction that returned {@code UNKNOWN} or threw is not kept: the checker decides. One instance is
 * shared by every publisher of a producer group made by one adapter, since the broker may ask any of the group's
 * producers about a message another one sent. Thread-safe.
 */
public final class InFlightTransactions {

    /** The most unconfirmed outcomes kept for check-backs that have not come yet. */
    static final int MAX_UNCONFIRMED = 10_000;

    private final Set<String> running = new HashSet<>();
    private final Map<String, TransactionOutcome> unconfirmed = new LinkedHashMap<>();

    /** Nothing known yet. */
    public InFlightTransactions() {
        // the adapter creates one per producer group
    }

    /** The half message of {@code transactionId} is about to be sent: its local transaction is running. */
    synchronized void begin(String transactionId) {
        running.add(transactionId);
    }

    /** The local transaction returned {@code outcome}, not yet confirmed by the broker; UNKNOWN forgets it. */
    synchronized void ended(String transactionId, TransactionOutcome outcome) {
        running.remove(transactionId);
        if (outcome == TransactionOutcome.COMMIT || outcome == TransactionOutcome.ROLLBACK) {
            unconfirmed.put(transactionId, outcome);
            if (unconfirmed.size() > MAX_UNCONFIRMED) {
                unconfirmed.remove(unconfirmed.keySet().iterator().next());
            }
        }
    }

    /** The broker has the outcome, or never stored the half message: nothing left to answer for it. */
    synchronized void forget(String transactionId) {
        running.remove(transactionId);
        unconfirmed.remove(transactionId);
    }

    /**
     * The answer to a check-back of {@code transactionId}: UNKNOWN while its local transaction runs, its outcome
     * once it returned (then forgotten: the broker has it now, or asks again and the checker answers), empty when
     * this process knows nothing of it.
     */
    synchronized Optional<TransactionOutcome> answer(String transactionId) {
        if (running.contains(transactionId)) {
            return Optional.of(TransactionOutcome.UNKNOWN);
        }
        return Optional.ofNullable(unconfirmed.remove(transactionId));
    }
}
