package dev.keel.core.internal;

import dev.keel.DecodingException;
import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.KeelTimeoutException;
import dev.keel.PublishReceipt;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a final failure into a dead letter: publishes the original payload, id, key and
 * application headers to the dead-letter topic with the cause, attempts and origin in
 * {@code keel-dlt-*} headers, and answers DEAD_LETTERED only once the broker confirmed it. Each
 * send is bounded by the publish timeout. A dead letter the broker refuses for good (a
 * non-retriable error: too large, no such topic, not allowed) is replaced by a truncated copy,
 * without the payload and the application headers (the W3C trace context stays) and marked
 * {@code keel-dlt-truncated}. When
 * neither is confirmed, the round is repeated with capped backoff, the original unacknowledged.
 * A message whose dead letter was refused for good, or kept failing for
 * {@value #ROUNDS_BEFORE_PARKING} rounds, is parked ({@link Work#park()}): its lane and in-flight
 * slot go to other messages while its own key waits; the rounds go on until one is confirmed, the
 * subscription stops or the message's partition is revoked (then it is dropped, for redelivery). A
 * message whose partition was revoked before its dead-lettering began is not dead-lettered: it is
 * dropped, unacknowledged, for the partition's next owner.
 *
 * <p>Under EFFECTIVELY_ONCE a confirmed dead letter then marks the id dead in the idempotency store
 * (the claim the idempotency step kept, renewed with the delivery's token, then marked with
 * {@link dev.keel.dedup.IdempotencyStore#markDead}) before the acknowledgement, so a
 * redelivery after a crash between the dead letter and the acknowledgement is acknowledged as a
 * duplicate instead of being dead-lettered again, while a copy re-driven from the dead-letter topic
 * (header {@link KeelHeaders#REDRIVEN_AT}) may claim it and run once more. While the store is unreachable this is retried
 * (the consumer pauses through {@link StoreAccess}); an id another consumer holds meanwhile is left
 * to it.
 */
final class DeadLetterStep implements Step {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterStep.class);
    private static final int MAX_CAUSE_LENGTH = 500;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration MAX_PARKED_BACKOFF = Duration.ofMinutes(1);
    static final int ROUNDS_BEFORE_PARKING = 5;
    /** Claim-and-complete tries when a late release of the handling claim undid the fresh claim. */
    private static final int MARK_DONE_TRIES = 3;

    /** What marking a dead-lettered id done came to. */
    private enum Mark {
        /** Done now, or already. */
        DONE,
        /** Another consumer holds the id (it was redelivered to it meanwhile): left to it. */
        HELD_ELSEWHERE,
        /** Claimed, but the completion found no claim: the handling claim's release ran after the claim. */
        UNDONE
    }

    private final Step next;
    private final Supplier<BrokerProducer> producer;
    private final String destination;
    private final String group;
    private final Clock clock;
    private final Delays delays;
    private final BooleanSupplier stopped;
    private final Duration sendTimeout;
    private final MetricsRecorder metrics;
    /** EFFECTIVELY_ONCE only, else null: where a confirmed dead letter marks its id done. */
    private final StoreAccess store;
    private final Duration storeRetryInterval;

    DeadLetterStep(Step next, Supplier<BrokerProducer> producer, String destination, String group, Clock clock,
                   Delays delays, BooleanSupplier stopped, Duration sendTimeout, MetricsRecorder metrics,
                   StoreAccess store, Duration storeRetryInterval) {
        this.next = next;
        this.producer = producer;
        this.destination = destination;
        this.group = group;
        this.clock = clock;
        this.delays = delays;
        this.stopped = stopped;
        this.sendTimeout = sendTimeout;
        this.metrics = metrics;
        this.store = store;
        this.storeRetryInterval = storeRetryInterval;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        return Futures.call(() -> next.handle(work)).handle((outcome, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(outcome);
            }
            Throwable cause = Futures.unwrap(error);
            if (stopped.getAsBoolean() || work.isAbandoned()) {
                return dropped(work); // stopped or revoked: the next owner decides
            }
            if (destination == null) {
                LOG.error("message {} from {} failed after {} attempt(s) and its subscription has no dead-letter topic "
                        + "(DeadLetterPolicy.none()): left unacknowledged for redelivery after a restart or "
                        + "rebalance: {}", work.record().id(), work.record().topic(), work.attempt(), cause.toString());
                metrics.count(MetricEvent.DEAD_LETTER_FAILED, work.record().topic(), group);
                return dropped(work);
            }
            LOG.warn("message {} from {} failed after {} attempt(s), dead-lettering to {}: {}", work.record().id(),
                    work.record().topic(), work.attempt(), destination, cause.toString());
            return round(work, deadLetter(work, cause), 1, FIRST_BACKOFF);
        }).thenCompose(stage -> stage);
    }

    /** One round: the dead letter, then its truncated copy if the broker refused the dead letter for good. */
    private CompletionStage<Outcome> round(Work work, OutboundRecord letter, int round, Duration backoff) {
        return send(letter).handle((receipt, error) -> {
            if (error == null) {
                return confirmed(work, false);
            }
            Throwable failure = Futures.unwrap(error);
            if (isRetriable(failure)) {
                return later(work, letter, round, backoff, failure, false);
            }
            if (round == 1) {
                LOG.warn("dead letter for message {} refused by {} for good ({}); sending a copy without its "
                        + "payload and application headers", letter.id(), destination, failure.toString());
            }
            // off the producer's callback thread before sending again
            return afterDelay(work, Duration.ZERO, () -> send(truncated(work, letter)).handle((r, truncatedError) -> {
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
            LOG.warn("message {} from {} dead-lettered to {} without its payload ({} bytes left out, header {})",
                    work.record().id(), work.record().topic(), destination, work.record().payload().length,
                    KeelHeaders.DLT_TRUNCATED);
        }
        if (work.isParked()) {
            LOG.info("parked message {} from {} is dead-lettered to {} at last and acknowledged", work.record().id(),
                    work.record().topic(), destination);
        }
        if (store == null) {
            return CompletableFuture.completedFuture(Outcome.DEAD_LETTERED);
        }
        // whatever the mark's outcome, this subscription renews the claim no more
        return markDone(work, 1).whenComplete((outcome, error) -> store.leases().done(work));
    }

    /**
     * Left unacknowledged for redelivery: under EFFECTIVELY_ONCE the handling claim, which the
     * idempotency step kept for the dead-lettering, is released so the redelivery need not wait
     * for its lease.
     */
    private CompletionStage<Outcome> dropped(Work work) {
        if (store != null) {
            store.leases().release(work); // after any renewal under way, which would otherwise bring it back
        }
        return CompletableFuture.completedFuture(Outcome.DROPPED);
    }

    /**
     * Marks the dead-lettered id done, so a redelivery is a duplicate. The handling claim is still
     * held by the delivery's token (the idempotency step keeps it on failure): claiming again with
     * that token renews it, and it is completed. Already done (DUPLICATE) is fine; held by another
     * consumer (BUSY: the claim expired meanwhile) is left to it.
     */
    private CompletionStage<Outcome> markDone(Work work, int tries) {
        String id = work.record().id();
        return store.claim(id, work.claimToken()).thenCompose(claim -> switch (claim.status()) {
            case CLAIMED -> store.markDead(new Lease(id, claim.token()))
                    .thenApply(done -> done == LeaseOutcome.APPLIED ? Mark.DONE : Mark.UNDONE);
            case DUPLICATE -> CompletableFuture.completedFuture(Mark.DONE);
            case BUSY -> CompletableFuture.completedFuture(Mark.HELD_ELSEWHERE);
        }).handleAsync((mark, error) -> {
            if (stopped.getAsBoolean() || work.isAbandoned()) {
                // the dead letter is confirmed: acknowledging is right wherever the engine still may
                return CompletableFuture.completedFuture(Outcome.DEAD_LETTERED);
            }
            if (error != null) {
                store.unavailable(error);
                return delays.after(storeRetryInterval, () -> markDone(work, tries));
            }
            store.available();
            return switch (mark) {
                case DONE -> CompletableFuture.completedFuture(Outcome.DEAD_LETTERED);
                case HELD_ELSEWHERE -> {
                    LOG.debug("dead-lettered message {} is held by another consumer now; it is not marked "
                            + "done here", id);
                    yield CompletableFuture.completedFuture(Outcome.DEAD_LETTERED);
                }
                case UNDONE -> {
                    if (tries < MARK_DONE_TRIES) {
                        yield markDone(work, tries + 1);
                    }
                    LOG.warn("dead-lettered message {} from {} could not be marked done; a redelivery would "
                            + "dead-letter it again", id, work.record().topic());
                    yield CompletableFuture.completedFuture(Outcome.DEAD_LETTERED);
                }
            };
        }, delays.executor()).thenCompose(stage -> stage);
    }

    /** Schedules the next round after a failed one, parking the message when the failure persists. */
    private CompletionStage<Outcome> later(Work work, OutboundRecord letter, int round, Duration backoff,
                                           Throwable failure, boolean refusedForGood) {
        if (stopped.getAsBoolean() || work.isAbandoned()) {
            return dropped(work);
        }
        if ((refusedForGood || round >= ROUNDS_BEFORE_PARKING) && work.park()) {
            metrics.count(MetricEvent.DEAD_LETTER_FAILED, work.record().topic(), group);
            LOG.error("message {} from {} can be neither handled nor dead-lettered to {} ({}): it is parked, "
                    + "unacknowledged (a restart redelivers it); later messages of its key wait, other keys go on; "
                    + "the dead-lettering is retried with backoff up to {}. Check that the dead-letter topic exists "
                    + "and accepts the record", work.record().id(), work.record().topic(), destination,
                    failure.toString(), MAX_PARKED_BACKOFF);
        } else if (round == 1) {
            LOG.warn("dead letter for message {} not confirmed by {} ({}); the original stays unacknowledged and "
                    + "the dead-lettering is retried with backoff", letter.id(), destination, failure.toString());
        } else {
            LOG.debug("dead letter for message {} not confirmed by {} in round {}: {}", letter.id(), destination,
                    round, failure.toString());
        }
        Duration cap = work.isParked() ? MAX_PARKED_BACKOFF : MAX_BACKOFF;
        Duration nextBackoff = backoff.multipliedBy(2).compareTo(cap) > 0 ? cap : backoff.multipliedBy(2);
        return afterDelay(work, backoff, () -> round(work, letter, round + 1, nextBackoff));
    }

    /** Runs {@code action} after {@code delay} on the subscription's threads; DROPPED if it stopped meanwhile. */
    private CompletionStage<Outcome> afterDelay(Work work, Duration delay,
                                                Supplier<? extends CompletionStage<Outcome>> action) {
        return delays.after(delay, () -> stopped.getAsBoolean() || work.isAbandoned()
                ? CompletableFuture.completedFuture(Outcome.DROPPED) : action.get()).handle((outcome, error) -> {
                    if (error == null) {
                        return CompletableFuture.completedFuture(outcome);
                    }
                    if (stopped.getAsBoolean()) {
                        return CompletableFuture.completedFuture(Outcome.DROPPED);
                    }
                    return CompletableFuture.<Outcome>failedFuture(Futures.unwrap(error));
                }).thenCompose(stage -> stage);
    }

    /** One send, bounded by the publish timeout (a timed-out send may still arrive: the copy has the same id). */
    private CompletionStage<PublishReceipt> send(OutboundRecord letter) {
        return delays.within(sendTimeout, () -> producer.get().send(letter), () -> new KeelTimeoutException(
                "dead letter for message " + letter.id() + " not confirmed by " + destination + " within "
                        + sendTimeout + "; it may still arrive, with the same id"));
    }

    private static boolean isRetriable(Throwable failure) {
        return failure instanceof KeelException k && k.isRetriable();
    }

    /**
     * The dead letter without the payload and application headers: its id, key and keel-dlt-* headers,
     * and the W3C trace context, so the dead letter stays in the original message's trace.
     */
    private static OutboundRecord truncated(Work work, OutboundRecord letter) {
        Map<String, String> headers = new LinkedHashMap<>();
        letter.headers().forEach((name, value) -> {
            if (KeelHeaders.isReserved(name) || name.equals(KeelHeaders.TRACEPARENT)
                    || name.equals(KeelHeaders.TRACESTATE)) {
                headers.put(name, value);
            }
        });
        headers.put(KeelHeaders.DLT_TRUNCATED, Integer.toString(work.record().payload().length));
        return new OutboundRecord(letter.topic(), letter.id(), letter.key(), headers, new byte[0], letter.timestamp());
    }

    private OutboundRecord deadLetter(Work work, Throwable cause) {
        InboundRecord record = work.record();
        Map<String, String> headers = new LinkedHashMap<>(record.headers());
        headers.put(KeelHeaders.ID, record.id());
        if (record.key() != null) {
            headers.put(KeelHeaders.KEY, record.key());
        }
        headers.put(KeelHeaders.DLT_CAUSE_CLASS, cause.getClass().getName());
        headers.put(KeelHeaders.DLT_CAUSE_MESSAGE, truncate(String.valueOf(cause.getMessage())));
        headers.put(KeelHeaders.DLT_ATTEMPTS, Integer.toString(work.attempt()));
        // a retry copy's origin is the topic it was first consumed from, where a re-drive sends it
        headers.put(KeelHeaders.DLT_ORIGIN_TOPIC, record.headers().getOrDefault(KeelHeaders.RETRY_ORIGIN_TOPIC,
                record.topic()));
        headers.put(KeelHeaders.DLT_ORIGIN_PARTITION, record.partition());
        headers.put(KeelHeaders.DLT_ORIGIN_POSITION, Long.toString(record.position()));
        headers.put(KeelHeaders.DLT_GROUP, group);
        headers.put(KeelHeaders.DLT_AT, Long.toString(clock.millis()));
        headers.put(KeelHeaders.DLT_REASON, cause instanceof DecodingException ? "decode" : "handler");
        return new OutboundRecord(destination, record.id(), record.key(), headers, record.payload(), record.timestamp());
    }

    private static String truncate(String s) {
        return s.length() <= MAX_CAUSE_LENGTH ? s : s.substring(0, MAX_CAUSE_LENGTH) + "...";
    }
}
