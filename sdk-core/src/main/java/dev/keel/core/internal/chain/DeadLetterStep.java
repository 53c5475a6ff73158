package dev.keel.core.internal.chain;

import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.core.internal.util.Descriptions;
import dev.keel.core.internal.util.Futures;
import dev.keel.metrics.MetricEvent;
import dev.keel.spi.OutboundRecord;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a final failure into a dead letter ({@link DeadLetterCopies}) and answers DEAD_LETTERED
 * only once the broker confirmed it. Each send is bounded by the publish timeout. A dead letter the
 * broker refuses for good (a non-retriable error: too large, no such topic, not allowed) is replaced
 * by a truncated copy, without the payload and the application headers (the W3C trace context stays)
 * and marked {@code keel-dlt-truncated}. When neither is confirmed, the round is repeated with capped
 * backoff, the original unacknowledged. A message whose dead letter was refused for good, or kept
 * failing for {@value #ROUNDS_BEFORE_PARKING} rounds, is parked ({@link Work#park()}): its lane and
 * in-flight slot go to other messages while its own key waits; the rounds go on until one is
 * confirmed, the subscription stops or the message's partition is revoked (then it is dropped, for
 * redelivery). A message whose partition was revoked before its dead-lettering began is not
 * dead-lettered: it is dropped, unacknowledged, for the partition's next owner. Under
 * EFFECTIVELY_ONCE a confirmed dead letter then marks the id dead and a dropped message releases its
 * claim ({@link DeadLetterMarks}). Without dead letters ({@code DeadLetterPolicy.none()}) the chain
 * has {@link KeepHandlingStep} in this place.
 */
public final class DeadLetterStep implements Step {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterStep.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration MAX_PARKED_BACKOFF = Duration.ofMinutes(1);
    /** Rounds of failed dead-lettering after which a message is parked. */
    public static final int ROUNDS_BEFORE_PARKING = 5;

    private final Step next;
    private final DeadLetterCopies letters;
    private final Sends sends;
    private final DeadLetterMarks marks;
    private final StepContext context;

    /**
     * @param destination       the subscription's dead-letter topic
     * @param broadcastInstance this instance's id, named in its dead letters, when the subscription is a
     *                          broadcast one
     * @param marks             what EFFECTIVELY_ONCE does with the claim of a message dead-lettered or dropped
     */
    public DeadLetterStep(Step next, String destination, Optional<String> broadcastInstance, Sends sends,
                          DeadLetterMarks marks, StepContext context) {
        this.next = next;
        this.letters = new DeadLetterCopies(destination, context.group(), broadcastInstance.orElse(null),
                context.clock());
        this.sends = sends;
        this.marks = marks;
        this.context = context;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        return Attempts.run(next, work, cause -> {
            if (context.givenUp(work)) {
                return dropped(work); // stopped or revoked: the next owner decides
            }
            LogContext.run(work, context.group(), () ->
                    // the cause last, so its stack trace is logged: the handler's line that threw, once per message
                    LOG.warn("message {} from {} failed after {} attempt(s), dead-lettering to {}: {}", work.record().id(),
                            work.record().topic(), work.attempt(), letters.destination(), Descriptions.of(cause), Descriptions.describable(cause)));
            return round(work, letters.of(work, cause), 1, FIRST_BACKOFF);
        });
    }

    /** One round: the dead letter, then its truncated copy if the broker refused the dead letter for good. */
    private CompletionStage<Outcome> round(Work work, OutboundRecord letter, int round, Duration backoff) {
        return sends.send(letter).handle((receipt, error) -> {
            if (error == null) {
                return confirmed(work, false);
            }
            Throwable failure = Futures.unwrap(error);
            if (isRetriable(failure)) {
                return later(work, letter, round, backoff, failure, false);
            }
            if (round == 1) {
                LogContext.run(work, context.group(), () ->
                        LOG.warn("dead letter for message {} refused by {} for good ({}); sending a copy without its "
                                + "payload and application headers", letter.id(), letters.destination(), Descriptions.of(failure)));
            }
            // off the producer's callback thread before sending again
            return afterDelay(work, Duration.ZERO, () -> sends.send(DeadLetterCopies.truncated(work, letter))
                    .handle((r, truncatedError) -> {
                        if (truncatedError == null) {
                            return confirmed(work, true);
                        }
                        Throwable f = Futures.unwrap(truncatedError);
                        return later(work, letter, round, backoff, f, !isRetriable(f));
                    }).thenCompose(stage -> stage));
        }).thenCompose(stage -> stage);
    }

    private CompletionStage<Outcome> confirmed(Work work, boolean truncated) {
        if (truncated) {
            LogContext.run(work, context.group(), () ->
                    LOG.warn("message {} from {} dead-lettered to {} without its payload ({} bytes left out, header {})",
                            work.record().id(), work.record().topic(), letters.destination(), work.record().payload().length,
                            KeelHeaders.DLT_TRUNCATED));
        }
        if (work.isParked()) {
            LogContext.run(work, context.group(), () ->
                    LOG.info("parked message {} from {} is dead-lettered to {} at last and acknowledged", work.record().id(),
                            work.record().topic(), letters.destination()));
        }
        return marks.deadLettered(work);
    }

    /** Left unacknowledged for redelivery: its claim, if any, released so the redelivery need not wait for it. */
    private CompletionStage<Outcome> dropped(Work work) {
        marks.givenUp(work);
        return CompletableFuture.completedFuture(Outcome.DROPPED);
    }

    /** Schedules the next round after a failed one, parking the message when the failure persists. */
    private CompletionStage<Outcome> later(Work work, OutboundRecord letter, int round, Duration backoff,
                                           Throwable failure, boolean refusedForGood) {
        if (context.givenUp(work)) {
            return dropped(work);
        }
        if ((refusedForGood || round >= ROUNDS_BEFORE_PARKING) && work.park()) {
            context.count(MetricEvent.DEAD_LETTER_FAILED, work);
            LogContext.run(work, context.group(), () ->
                    LOG.error("message {} from {} can be neither handled nor dead-lettered to {} ({}): it is parked, "
                            + "unacknowledged (a restart redelivers it, except on a Kafka share group at the broker's last "
                            + "delivery: there the broker archives it once the subscription closes or dies, and the close "
                            + "names it); later messages of its key wait, other keys go on; "
                            + "the dead-lettering is retried with backoff up to {}. Check that the dead-letter topic exists "
                            + "and accepts the record", work.record().id(), work.record().topic(), letters.destination(),
                            Descriptions.of(failure), MAX_PARKED_BACKOFF));
        } else if (round == 1) {
            LogContext.run(work, context.group(), () ->
                    LOG.warn("dead letter for message {} not confirmed by {} ({}); the original stays unacknowledged and "
                            + "the dead-lettering is retried with backoff", letter.id(), letters.destination(),
                            Descriptions.of(failure)));
        } else {
            LOG.debug("dead letter for message {} not confirmed by {} in round {}: {}", letter.id(),
                    letters.destination(), round, Descriptions.of(failure));
        }
        Duration cap = work.isParked() ? MAX_PARKED_BACKOFF : MAX_BACKOFF;
        Duration nextBackoff = backoff.multipliedBy(2).compareTo(cap) > 0 ? cap : backoff.multipliedBy(2);
        // stamped again: a dead-letter topic's timestamp window judges the time of this send, not of the first
        return afterDelay(work, backoff, () -> round(work, letters.restamped(letter), round + 1, nextBackoff));
    }

    /**
     * Runs {@code action} after {@code delay} on the subscription's threads; DROPPED if it stopped meanwhile, and at
     * once, its claim released, when the message is given up during the wait (a close or revoke waits for the
     * messages it holds, a parked one's round included, and must not wait out a backoff of up to a minute).
     */
    private CompletionStage<Outcome> afterDelay(Work work, Duration delay,
                                                Supplier<? extends CompletionStage<Outcome>> action) {
        return context.delays().retryAfter(delay, work, new GivenUpWhileWaiting(), () -> context.givenUp(work)
                ? CompletableFuture.completedFuture(Outcome.DROPPED) : action.get()).handle((outcome, error) -> {
                    if (error == null) {
                        return CompletableFuture.completedFuture(outcome);
                    }
                    if (context.stopped().getAsBoolean()) {
                        return CompletableFuture.completedFuture(Outcome.DROPPED);
                    }
                    if (Futures.unwrap(error) instanceof GivenUpWhileWaiting) {
                        return dropped(work);
                    }
                    return CompletableFuture.<Outcome>failedFuture(Futures.unwrap(error));
                }).thenCompose(stage -> stage);
    }

    /** The wait for the next round ended because the message was given up (closed or revoked). */
    private static final class GivenUpWhileWaiting extends RuntimeException {
        private static final long serialVersionUID = 1L;

        GivenUpWhileWaiting() {
            super("given up while waiting for the next dead-letter round", null, false, false);
        }
    }

    private static boolean isRetriable(Throwable failure) {
        return failure instanceof KeelException k && k.isRetriable();
    }
}
