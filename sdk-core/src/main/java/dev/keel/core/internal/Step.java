package dev.keel.core.internal;

import java.util.concurrent.CompletionStage;

/**
 * One link of a subscription's handling chain. Steps compose as middleware, outermost first:
 * {@link FilterStep} (with a header filter) → {@link MetricsStep} → {@link DeadLetterStep} → {@link DedupStep} (EFFECTIVELY_ONCE) →
 * {@link RetryStep} (not AT_MOST_ONCE) → {@link InvokeStep} (decode, then the application's handler).
 * A failed stage means the message failed; an {@link Outcome} means it may be acknowledged, except
 * {@link Outcome#DROPPED}.
 */
@FunctionalInterface
interface Step {
    CompletionStage<Outcome> handle(Work work);
}
