package dev.keel.core.internal.chain;

import dev.keel.retry.RetryPolicy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Retries through the broker, in place of {@link RetryStep}, for a share-group subscription
 * ({@code SubscriptionConfig#shareGroup()}): the broker counts the attempts, so the attempt number is the
 * record's delivery count (a crash or a member leaving does not reset it). A failed attempt that the policy
 * retries, with an attempt left under the policy and a broker that would deliver the message again
 * ({@link dev.keel.spi.InboundRecord#releasable()}: false at the broker's last delivery), waits the policy's
 * backoff here and then, when the broker would still deliver it again (asked again: its delivery limit may have
 * been lowered during the wait; if not, the failure goes on to the dead-letter step), leaves the chain as
 * {@link Outcome#RELEASED}: its claim is released (not marked
 * done) and the record is handed back to the broker, which delivers it again, to any member, at once. The
 * backoff is Keel's because the broker has none: a released message is redelivered immediately, so
 * without it a transient failure would use up the attempts within milliseconds. The message gives its lane
 * to other messages while it waits (a share group has no key order to keep) and stays unacknowledged, so
 * the broker lock on it holds (the adapter renews it). A failure the policy does not retry, the policy's
 * last attempt and the broker's last delivery go on to the dead-letter step. A message given up while it
 * waits (its subscription stopping) fails on at once, for the outer steps to drop it.
 */
public final class SharedRetryStep implements Step {

    private final Step next;
    private final Retries retries;
    private final StepContext context;

    public SharedRetryStep(Step next, RetryPolicy policy, StepContext context) {
        this.next = next;
        this.retries = new Retries(policy, context);
        this.context = context;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        int attempt = work.nextAttempt(work.record().deliveryCount());
        work.attempt(attempt);
        return Attempts.run(next, work, cause -> {
            if (!work.record().releasable() || !retries.another(work, attempt, cause)) {
                return CompletableFuture.failedFuture(cause);
            }
            work.leaveLane();
            return context.delays().retryAfter(retries.backoffAfter(attempt), work, cause,
                    () -> work.record().releasable() // asked again: the broker's limit may have been lowered meanwhile
                            ? CompletableFuture.completedFuture(Outcome.RELEASED)
                            : CompletableFuture.failedFuture(cause));
        });
    }
}
