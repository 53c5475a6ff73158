package dev.keel.core.internal.chain;

import dev.keel.core.internal.util.Descriptions;
import dev.keel.retry.RetryPolicy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries a failed attempt in place, after the policy's backoff, holding the message's lane (so
 * its key waits) but no thread. A failure the policy does not retry ({@link RetryPolicy#shouldRetry}:
 * decoding failures, {@code NonRetriableException}, its abortOn/retryOn classes) fails at once, at
 * the attempt it happened, for the dead-letter step. The first attempt number is the broker's
 * delivery count, so broker redeliveries count towards the limit. A message whose partition was
 * revoked ({@link Work#abandon()}) is retried no more, at once even in the middle of a backoff: its
 * last failure goes on, and the outer steps release its claim and give it up without dead-lettering. A message
 * whose idempotency claim a renewal found done or taken by another consumer meanwhile makes no next attempt, and is
 * not dead-lettered after its last one: it fails with {@link ClaimEnded}, and the claim step asks for the id again.
 */
public final class RetryStep implements Step {

    /** Each failed attempt that is retried, at DEBUG with its stack trace (the last one is logged by the next steps). */
    private static final Logger LOG = LoggerFactory.getLogger(RetryStep.class);

    private final Step next;
    private final Retries retries;
    private final StepContext context;
    private final ClaimHeld claimHeld;

    public RetryStep(Step next, RetryPolicy policy, StepContext context, ClaimHeld claimHeld) {
        this.next = next;
        this.retries = new Retries(policy, context);
        this.context = context;
        this.claimHeld = claimHeld;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        return attempt(work, work.nextAttempt(work.record().deliveryCount()));
    }

    private CompletionStage<Outcome> attempt(Work work, int attempt) {
        work.attempt(attempt);
        return Attempts.run(next, work, cause -> {
            if (!retries.another(work, attempt, cause)) {
                // its last attempt: dead-lettered, unless the claim ended meanwhile (done, or taken, by another
                // consumer: that one's outcome stands, and the claim step asks for the id again)
                return CompletableFuture.failedFuture(claimHeld.test(work) ? cause : new ClaimEnded(cause, true));
            }
            java.time.Duration backoff = retries.backoffAfter(attempt);
            if (LOG.isDebugEnabled()) {
                LogContext.run(work, context.group(), () -> LOG.debug("message {} from {} failed at attempt {}, retried"
                        + " after {}: {}", work.record().id(), work.record().topic(), attempt, backoff,
                        Descriptions.of(cause), Descriptions.describable(cause)));
            }
            // revoked during the backoff: stops waiting at once
            return context.delays().retryAfter(backoff, work, cause, () -> claimHeld.test(work)
                    ? attempt(work, attempt + 1) : CompletableFuture.failedFuture(new ClaimEnded(cause, false)));
        });
    }
}
