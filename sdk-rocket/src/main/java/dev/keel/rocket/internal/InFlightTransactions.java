package dev.keel.rocket.internal;

import dev.keel.rocket.TransactionOutcome;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What this process knows of its own transactional messages, and of those its checker settled, by RocketMQ transaction
 * id (the message's {@code UNIQ_KEY}, set before the half message is sent), so that a check-back never has to guess
 * about them:
 * <ul>
 *   <li>from before the half message is sent until its local transaction returns, the transaction runs: the
 *       answer is {@code UNKNOWN} (the broker asks again later), whatever the application's checker would say;</li>
 *   <li>from then until the broker answered the outcome this process sent, the answer is {@code UNKNOWN} too: that
 *       outcome is on its way, and a {@code COMMIT} answered meanwhile would store the message a second time;</li>
 *   <li>once the broker confirmed the outcome, the message is settled: a check-back of it is answered
 *       {@code ROLLBACK}, which ends the half message asked about without storing another copy (a committed message
 *       stays stored). The broker asks again about messages whose outcome it took: it ends a half message by an "op"
 *       message written in batches ({@code transactionOpBatchInterval}, 3 s by default), and each check before that
 *       stores a new copy of the half message and asks about it; a {@code COMMIT} answered to such a copy stores the
 *       message once more. The same holds for a check-back this process answered {@code COMMIT} or
 *       {@code ROLLBACK} (its checker's answer, or an outcome it knew) and the broker took. The last
 *       {@link #MAX_SETTLED} settled ids are kept;</li>
 *   <li>an outcome the broker refused or never answered is kept until a check-back asked for it, and answered; past
 *       {@link #MAX_UNCONFIRMED} such outcomes the oldest is dropped (the checker answers for it).</li>
 * </ul>
 * A local transaction that returned {@code UNKNOWN} or threw is not kept: the checker decides, and once the broker took
 * the checker's answer the message is settled as above. One instance is shared by every publisher of a producer group
 * made by one adapter, since the broker may ask any of the group's producers about a message another one sent.
 * Thread-safe.
 */
public final class InFlightTransactions {

    /** The most unconfirmed outcomes kept for check-backs that have not come yet. */
    static final int MAX_UNCONFIRMED = 10_000;
    /** The most settled transaction ids kept to answer repeated check-backs. */
    static final int MAX_SETTLED = 100_000;

    private final Set<String> running = new HashSet<>();
    private final Map<String, TransactionOutcome> ending = new HashMap<>();
    private final Map<String, TransactionOutcome> unconfirmed = new LinkedHashMap<>();
    private final Set<String> settled = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > MAX_SETTLED;
        }
    });

    /** Nothing known yet. */
    public InFlightTransactions() {
        // the adapter creates one per producer group
    }

    /** The half message of {@code transactionId} is about to be sent: its local transaction is running. */
    synchronized void begin(String transactionId) {
        running.add(transactionId);
    }

    /** The local transaction returned {@code outcome}, about to be sent to the broker; UNKNOWN forgets it. */
    synchronized void ended(String transactionId, TransactionOutcome outcome) {
        running.remove(transactionId);
        if (outcome == TransactionOutcome.COMMIT || outcome == TransactionOutcome.ROLLBACK) {
            ending.put(transactionId, outcome);
        }
    }

    /** The broker confirmed the outcome sent for {@code transactionId}. */
    synchronized void confirmed(String transactionId) {
        running.remove(transactionId);
        ending.remove(transactionId);
        unconfirmed.remove(transactionId);
        settled.add(transactionId);
    }

    /** The broker refused or did not answer the outcome sent for {@code transactionId}: a check-back gets it. */
    synchronized void unconfirmed(String transactionId) {
        TransactionOutcome outcome = ending.remove(transactionId);
        if (outcome != null) {
            unconfirmed.put(transactionId, outcome);
            if (unconfirmed.size() > MAX_UNCONFIRMED) {
                unconfirmed.remove(unconfirmed.keySet().iterator().next());
            }
        }
    }

    /**
     * A check-back of {@code transactionId} is being answered {@code outcome} (COMMIT or ROLLBACK, the application's
     * checker's or this process's): until the broker answered, another check-back of it is answered UNKNOWN (a second
     * COMMIT would store the message a second time). Then {@link #confirmed} (taken: the message is settled) or
     * {@link #answerFailed}.
     */
    synchronized void answering(String transactionId, TransactionOutcome outcome) {
        ending.put(transactionId, outcome);
    }

    /** The answer to a check-back of {@code transactionId} was not taken (or not known to be): nothing is kept. */
    synchronized void answerFailed(String transactionId) {
        ending.remove(transactionId);
    }

    /** The broker never stored the half message: nothing to answer for it. */
    synchronized void forget(String transactionId) {
        running.remove(transactionId);
        ending.remove(transactionId);
        unconfirmed.remove(transactionId);
    }

    /**
     * The answer to a check-back of {@code transactionId}: UNKNOWN while its local transaction runs or its outcome (or
     * an answer to a check-back of it) is on its way, ROLLBACK once the broker confirmed the outcome or such an answer
     * (ending the half message asked about without storing it again), the outcome the broker did not confirm (then
     * forgotten: the broker has it now, or asks again and the checker answers), empty when this process knows nothing
     * of it.
     */
    synchronized Optional<TransactionOutcome> answer(String transactionId) {
        if (running.contains(transactionId) || ending.containsKey(transactionId)) {
            return Optional.of(TransactionOutcome.UNKNOWN);
        }
        if (settled.contains(transactionId)) {
            return Optional.of(TransactionOutcome.ROLLBACK);
        }
        return Optional.ofNullable(unconfirmed.remove(transactionId));
    }
}
