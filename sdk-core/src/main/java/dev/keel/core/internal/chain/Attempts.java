package dev.keel.core.internal.chain;

import dev.keel.core.internal.util.Futures;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The skeleton of every step that reacts to a failure of the rest of the chain (retries, the
 * idempotency claim, dead letters): run the next step, keep its outcome, and hand a failure, its
 * cause unwrapped, to the step's own answer.
 */
public final class Attempts {

    private Attempts() {
    }

    /**
     * {@code next} run on {@code work}: its outcome as it is, or, when it failed (a failed stage or a
     * throw), the stage {@code onFailure} makes of the cause.
     */
    public static CompletionStage<Outcome> run(Step next, Work work,
                                               Function<Throwable, CompletionStage<Outcome>> onFailure) {
        return Futures.call(() -> next.handle(work)).handle((outcome, error) -> error == null
                ? CompletableFuture.completedFuture(outcome)
                : onFailure.apply(Futures.unwrap(error))).thenCompose(stage -> stage);
    }
}
