package dev.keel.core.internal.chain;

import dev.keel.core.internal.util.Descriptions;
import dev.keel.core.internal.util.Futures;
import dev.keel.metrics.MetricEvent;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In place of the dead-letter step under {@code DeadLetterPolicy.none()}: no dead letter can end a
 * message that failed its attempts, so it is parked (its lane and in-flight slot go to other
 * messages, its key's later messages wait) and handled again, one attempt at a time with backoff
 * capped at {@link #MAX_BACKOFF}, until an attempt succeeds, the subscription stops or the partition
 * is revoked (then it is dropped, unacknowledged, for redelivery, its claim released). Its key's
 * order holds: nothing behind it runs first. Counted once as {@link MetricEvent#DEAD_LETTER_FAILED}.
 */
public final class KeepHandlingStep implements Step {

    private static final Logger LOG = LoggerFactory.getLogger(KeepHandlingStep.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

    private final Step next;
    private final DeadLetterMarks marks;
    private final StepContext context;

    /** @param marks what EFFECTIVELY_ONCE does with the claim of a message given up */
    public KeepHandlingStep(Step next, DeadLetterMarks marks, StepContext context) {
        this.next = next;
        this.marks = marks;
        this.context = context;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        return Attempts.run(next, work, cause -> context.givenUp(work) ? dropped(work)
                : handledAgain(work, cause, FIRST_BACKOFF));
    }

    private CompletionStage<Outcome> handledAgain(Work work, Throwable cause, Duration backoff) {
        if (work.park()) {
            context.count(MetricEvent.DEAD_LETTER_FAILED, work);
            LogContext.run(work, context.group(), () ->
                    LOG.error("message {} from {} failed after {} attempt(s) and its subscription has no dead-letter topic "
                            + "(DeadLetterPolicy.none()): it is parked, unacknowledged, and handled again with backoff up to "
                            + "{} until it succeeds; later messages of its key wait, other keys go on: {}",
                            work.record().id(), work.record().topic(), work.attempt(), MAX_BACKOFF, Descriptions.of(cause)));
        } else {
            LOG.debug("parked message {} from {} failed again at attempt {}: {}", work.record().id(),
                    work.record().topic(), work.attempt(), Descriptions.of(cause));
        }
        Duration nextBackoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF
                : backoff.multipliedBy(2);
        // a close or revoke ends the wait at once, so the claim is released for the next owner without delay
        return context.delays().retryAfter(backoff, work, cause, () -> Futures.call(() -> next.handle(work)))
                .handle((outcome, error) -> {
                    if (context.givenUp(work)) {
                        return error == null ? CompletableFuture.completedFuture(outcome) : dropped(work);
                    }
                    if (error == null) {
                        LogContext.run(work, context.group(), () ->
                                LOG.info("parked message {} from {} succeeded at attempt {}; its key goes on",
                                        work.record().id(), work.record().topic(), work.attempt()));
                        return CompletableFuture.completedFuture(outcome);
                    }
                    return handledAgain(work, Futures.unwrap(error), nextBackoff);
                }).thenCompose(stage -> stage);
    }

    private CompletionStage<Outcome> dropped(Work work) {
        marks.givenUp(work);
        return CompletableFuture.completedFuture(Outcome.DROPPED);
    }
}
