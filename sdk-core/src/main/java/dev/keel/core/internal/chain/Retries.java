package dev.keel.core.internal.chain;

import dev.keel.core.internal.util.Descriptions;
import dev.keel.metrics.MetricEvent;
import dev.keel.retry.RetryPolicy;
import java.time.Duration;

/**
 * The decision both retry steps share: whether a failed attempt gets another (the policy retries the
 * failure, allows another attempt, and the message is not given up), counted as
 * {@link MetricEvent#RETRIED} when it does, and the backoff before it.
 */
final class Retries {

    private final RetryPolicy policy;
    private final Backoff backoff;
    private final StepContext context;

    Retries(RetryPolicy policy, StepContext context) {
        this.policy = policy;
        this.backoff = new Backoff(policy);
        this.context = context;
    }

    /** Whether {@code work}'s failed attempt number {@code attempt} gets another; counted when it does. */
    boolean another(Work work, int attempt, Throwable cause) {
        if (!policy.shouldRetry(Descriptions.original(cause)) || !policy.allowsAnotherAfter(attempt) || context.givenUp(work)) {
            return false;
        }
        context.count(MetricEvent.RETRIED, work);
        return true;
    }

    /** The wait after failed attempt number {@code attempt}. */
    Duration backoffAfter(int attempt) {
        return backoff.after(attempt);
    }
}
