package dev.keel.core.internal.chain;

import dev.keel.KeelHeaders;
import dev.keel.core.internal.util.Descriptions;
import dev.keel.core.internal.util.Futures;
import dev.keel.retry.RetryPolicy;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import dev.keel.spi.support.Utf8Text;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Non-blocking retry ({@code RetryMode.NON_BLOCKING}), in place of {@link RetryStep}: a failed
 * attempt that the policy retries is published again, with the same id, key, payload and headers
 * plus {@code keel-retry-*} headers (the next attempt's number, the cause, the origin topic and group), to the
 * subscription's retry topic with a delivery time of now (the injected clock) plus the policy's
 * backoff; once the broker confirmed it the message leaves the chain as
 * {@link Outcome#RETRY_SCHEDULED}, which the idempotency step answers by releasing the claim (not
 * marking it done), and the original is acknowledged. The same subscription consumes the retry topic
 * through this step too: there the attempt number comes from {@link KeelHeaders#RETRY_ATTEMPT} (plus
 * the broker's redeliveries of the copy); on the origin topic it is the broker's delivery count, as
 * in place. A failure the policy does not retry, or the last attempt's, fails on to the dead-letter
 * step. A retry publish that fails (or is not confirmed within the publish timeout) falls back to an
 * in-place retry after the same backoff, holding the message unacknowledged, so a message is never
 * acknowledged unretried.
 */
public final class NonBlockingRetryStep implements Step {

    private static final Logger LOG = LoggerFactory.getLogger(NonBlockingRetryStep.class);

    private final Step next;
    private final Retries retries;
    private final String retryTopic;
    private final Sends sends;
    private final StepContext context;

    public NonBlockingRetryStep(Step next, RetryPolicy policy, String retryTopic, Sends sends, StepContext context) {
        this.next = next;
        this.retries = new Retries(policy, context);
        this.retryTopic = retryTopic;
        this.sends = sends;
        this.context = context;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        return attempt(work, work.nextAttempt(firstAttempt(work.record())));
    }

    /** On the retry topic the copy's attempt number (plus its own redeliveries); elsewhere the delivery count. */
    private int firstAttempt(InboundRecord record) {
        String carried = record.topic().equals(retryTopic) ? record.headers().get(KeelHeaders.RETRY_ATTEMPT) : null;
        if (carried != null) {
            try {
                return Math.max(1, Integer.parseInt(carried)) + record.deliveryCount() - 1;
            } catch (NumberFormatException e) {
                LogContext.run(record, context.group(), () ->
                        LOG.warn("message {} from {} has an unreadable {} header; counting its attempts from its "
                                + "delivery count", record.id(), record.topic(), KeelHeaders.RETRY_ATTEMPT));
            }
        }
        return record.deliveryCount();
    }

    private CompletionStage<Outcome> attempt(Work work, int attempt) {
        work.attempt(attempt);
        return Attempts.run(next, work, cause -> {
            if (!retries.another(work, attempt, cause)) {
                return CompletableFuture.failedFuture(cause);
            }
            Duration wait = retries.backoffAfter(attempt);
            OutboundRecord copy = retryCopy(work.record(), attempt + 1, cause, wait);
            return sends.send(copy).handle((receipt, sendError) -> {
                if (sendError == null) {
                    return CompletableFuture.completedFuture(Outcome.RETRY_SCHEDULED);
                }
                LogContext.run(work, context.group(), () ->
                        LOG.warn("retry copy of message {} not confirmed by {} ({}); retrying it in place after {}",
                                work.record().id(), retryTopic, Descriptions.of(Futures.unwrap(sendError)), wait));
                return inPlace(work, attempt, wait, cause);
            }).thenCompose(stage -> stage);
        });
    }

    /** The fallback: the next attempt after {@code wait}, here, unacknowledged; given up when revoked or stopped. */
    private CompletionStage<Outcome> inPlace(Work work, int attempt, Duration wait, Throwable cause) {
        if (context.givenUp(work)) {
            return CompletableFuture.failedFuture(cause);
        }
        // revoked during the backoff: stops waiting at once
        return context.delays().retryAfter(wait, work, cause, () -> context.stopped().getAsBoolean()
                ? CompletableFuture.failedFuture(cause) : attempt(work, attempt + 1));
    }

    private OutboundRecord retryCopy(InboundRecord record, int nextAttempt, Throwable cause, Duration wait) {
        Map<String, String> headers = new LinkedHashMap<>(record.headers());
        headers.put(KeelHeaders.ID, record.id());
        if (record.key() != null) {
            headers.put(KeelHeaders.KEY, record.key());
        }
        headers.put(KeelHeaders.RETRY_ATTEMPT, Integer.toString(nextAttempt));
        headers.put(KeelHeaders.RETRY_CAUSE_CLASS, Descriptions.original(cause).getClass().getName());
        headers.put(KeelHeaders.RETRY_CAUSE_MESSAGE, Utf8Text.causeText(Descriptions.message(Descriptions.original(cause))));
        if (!record.topic().equals(retryTopic)) {
            headers.put(KeelHeaders.RETRY_ORIGIN_TOPIC, record.topic());
        }
        // the one group that runs it from the retry topic, whose name another subscription's may share
        headers.put(KeelHeaders.RETRY_ORIGIN_GROUP, context.group());
        Instant due = wait.isZero() ? null : context.clock().instant().plus(wait);
        if (due != null) {
            headers.put(KeelHeaders.DELIVER_AT, Long.toString(due.toEpochMilli()));
        } else {
            headers.remove(KeelHeaders.DELIVER_AT);
        }
        // stamped when written, the publish time travelling as keel-ts (read as the delivery's timestamp)
        headers.put(KeelHeaders.TIMESTAMP, Long.toString(record.timestamp().toEpochMilli()));
        return new OutboundRecord(retryTopic, record.id(), record.key(), headers, record.payload(),
                context.clock().instant(), due);
    }
}
