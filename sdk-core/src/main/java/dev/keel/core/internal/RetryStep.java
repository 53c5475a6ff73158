package dev.keel.core.internal;

import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.retry.RetryPolicy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;

/**
 * Retries a failed attempt in place, after the policy's backoff, holding the message's lane (so
 * its key waits) but no thread. A failure the policy does not retry ({@link RetryPolicy#shouldRetry}:
 * decoding failures, {@code NonRetriableException}, its abortOn/retryOn classes) fails at once, at
 * the attempt it happened, for the dead-letter step. The first attempt number is the broker's
 * delivery count, so broker redeliveries count towards the limit. A message whose partition was
 * revoked ({@link Work#abandon()}) is retried no more, at once even in the middle of a backoff: its
 * last failure goes on, and the outer steps release its claim and give it up without dead-lettering.
 */
final class RetryStep implements Step {

    private final Step next;
    private final RetryPolicy policy;
    private final Backoff backoff;
    private final Delays delays;
    private final BooleanSupplier stopped;
    private final MetricsRecorder metrics;
    private final String group;

    RetryStep(Step next, RetryPolicy policy, Delays delays, BooleanSupplier stopped, MetricsRecorder metrics, String group) {
        this.next = next;
        this.policy = policy;
        this.backoff = new Backoff(policy);
        this.delays = delays;
        this.stopped = stopped;
        this.metrics = metrics;
        this.group = group;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        return attempt(work, work.record().deliveryCount());
    }

    private CompletionStage<Outcome> attempt(Work work, int attempt) {
        work.attempt(attempt);
        return Futures.call(() -> next.handle(work)).handle((outcome, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(outcome);
            }
            Throwable cause = Futures.unwrap(error);
            if (!policy.shouldRetry(cause) || !policy.allowsAnotherAfter(attempt) || stopped.getAsBoolean()
                    || work.isAbandoned()) {
                return CompletableFuture.<Outcome>failedFuture(cause);
            }
            metrics.count(MetricEvent.RETRIED, work.record().topic(), group);
            // revoked during the backoff: stops waiting at once
            return delays.retryAfter(backoff.after(attempt), work, cause, () -> attempt(work, attempt + 1));
        }).thenCompose(stage -> stage);
    }
}
