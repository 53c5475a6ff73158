package dev.keel.core.internal.chain;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What the dead-letter step leaves to the idempotency claims (EFFECTIVELY_ONCE; {@link #NONE}
 * otherwise): the claim the idempotency step kept for a failed message is marked dead once its
 * dead letter is confirmed, or released when the message is given up for redelivery.
 */
public interface DeadLetterMarks {

    /** No claims: nothing to mark or release. */
    DeadLetterMarks NONE = new DeadLetterMarks() {
        @Override
        public CompletionStage<Outcome> deadLettered(Work work) {
            return CompletableFuture.completedFuture(Outcome.DEAD_LETTERED);
        }

        @Override
        public void givenUp(Work work) {
        }
    };

    /**
     * The message's dead letter is confirmed: its id is marked dead, so a redelivery is acknowledged
     * unrun while a re-driven copy may still run it. Completes with {@link Outcome#DEAD_LETTERED}
     * once marked (or the mark was given up); retried meanwhile while the store is unreachable.
     */
    CompletionStage<Outcome> deadLettered(Work work);

    /** The failed message is given up, unacknowledged, for redelivery: its claim is released at once. */
    void givenUp(Work work);
}
