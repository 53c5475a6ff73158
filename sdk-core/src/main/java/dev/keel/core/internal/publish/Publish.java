package dev.keel.core.internal.publish;

import dev.keel.KeelException;
import dev.keel.KeelTimeoutException;
import dev.keel.PublishReceipt;
import dev.keel.core.internal.util.Futures;
import dev.keel.metrics.MetricEvent;
import dev.keel.spi.OutboundRecord;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One publish: its stage, its attempts (retries of retriable failures with backoff, each through
 * its topic's circuit breaker) and its place in the in-flight window. The place is given back once, when
 * no attempt of the publish is running at the broker and none will start: when its sends and
 * retries finished, or when it was abandoned (its stage completed: confirmed, failed, timed out,
 * closed) and the attempt then running, if any, has finished. So the window bounds the sends
 * outstanding at the broker, not only the stages awaiting completion. One object per publish, and
 * no decorator chain: this is the publish hot path.
 */
final class Publish implements BiConsumer<PublishReceipt, Throwable> {

    private static final Logger LOG = LoggerFactory.getLogger(Publish.class);

    private final OutboundRecord record;
    private final long deadlineNanos;
    private final PublishParts parts;
    private final PublishBreaker.TopicBreaker breaker;
    private final CompletableFuture<PublishReceipt> result = new CompletableFuture<>();
    /** With sequentialPerKey: completes once no attempt runs and none will start. */
    private CompletableFuture<Void> finishedStage;
    private int attempts;
    /** The error of this publish's last attempt at the broker, told when a retry is then refused by the breaker. */
    private Throwable lastBrokerError;
    private long attemptStartedNanos;
    private boolean abandoned;
    private boolean sending;
    private boolean freed;

    /** Its window permit is taken already; {@code deadlineNanos}: when it times out ({@link System#nanoTime()}). */
    Publish(OutboundRecord record, long deadlineNanos, PublishParts parts) {
        this.record = record;
        this.deadlineNanos = deadlineNanos;
        this.parts = parts;
        this.breaker = parts.breaker().of(record.topic());
        // confirmed, failed, timed out, closed or cancelled: no attempt starts after this; the slot frees once none runs
        result.whenComplete((receipt, error) -> completed(error));
    }

    CompletableFuture<PublishReceipt> result() {
        return result;
    }

    /** Starts the first attempt and answers a stage completing once no attempt runs any more. */
    CompletionStage<Void> start() {
        CompletableFuture<Void> finished;
        synchronized (this) {
            finished = finishedStage = new CompletableFuture<>();
        }
        attempt();
        return finished;
    }

    /** One attempt, unless the publish was abandoned (timed out, closed): then none starts, and no retry. */
    void attempt() {
        boolean start;
        synchronized (this) {
            start = !abandoned;
            if (start) {
                sending = true;
                attempts++;
            }
        }
        if (!start) {
            finish();
            return;
        }
        if (!breaker.permits()) {
            attemptEnded();
            outcome(null, breaker.refusal());
            return;
        }
        attemptStartedNanos = System.nanoTime();
        CompletionStage<PublishReceipt> sent;
        try {
            sent = parts.producer().get().send(record);
        } catch (Throwable e) {
            accept(null, e);
            return;
        }
        sent.whenComplete(this);
    }

    /** The end of an attempt at the broker: tells the breaker, then retries or completes. */
    @Override
    public void accept(PublishReceipt receipt, Throwable error) {
        breaker.ended(System.nanoTime() - attemptStartedNanos, receipt, error);
        attemptEnded();
        outcome(receipt, error);
    }

    private void outcome(PublishReceipt receipt, Throwable error) {
        if (error == null) {
            finish();
            result.complete(receipt);
            return;
        }
        Throwable cause = Futures.unwrap(error);
        if (!PublishBreaker.isRefusal(cause)) {
            lastBrokerError = cause;
        }
        if (attempts < parts.config().maxAttempts() && PublishBreaker.isRetriable(cause)
                && !parts.closed().getAsBoolean() && !result.isDone()) {
            long backoff = (long) (parts.config().retryBackoff().toMillis() * Math.pow(2.0, attempts - 1));
            try {
                parts.scheduler().schedule(this::attempt, backoff, TimeUnit.MILLISECONDS);
                return;
            } catch (RejectedExecutionException shutDown) {
                // the scheduler stopped: fail with this attempt's error
            }
        }
        finish();
        KeelException failure = PublishBreaker.translate(cause);
        if (PublishBreaker.isRefusal(cause) && lastBrokerError != null) {
            failure.addSuppressed(lastBrokerError); // what the broker said before the breaker refused the retry
        }
        result.completeExceptionally(failure);
    }

    private void attemptEnded() {
        synchronized (this) {
            sending = false;
            if (!abandoned) {
                return;
            }
        }
        free();
    }

    /** The stage completed (in any way, also from outside). */
    private void completed(Throwable error) {
        synchronized (this) {
            abandoned = true;
            if (sending) {
                count(error);
                return;
            }
        }
        free();
        count(error);
    }

    private void count(Throwable error) {
        if (error == null) {
            parts.metrics().count(MetricEvent.CONFIRMED, record.topic(), null);
        } else {
            parts.metrics().count(MetricEvent.PUBLISH_FAILED, record.topic(), null);
            LOG.debug("publish of message {} to {} failed: {}", record.id(), record.topic(), error.toString());
        }
    }

    /** No attempt runs or will start: sends and retries are over. */
    private void finish() {
        free();
        CompletableFuture<Void> finished;
        synchronized (this) {
            finished = finishedStage;
        }
        if (finished != null) {
            finished.complete(null);
        }
    }

    private void free() {
        synchronized (this) {
            if (freed) {
                return;
            }
            freed = true;
        }
        parts.window().release();
    }

    /** Whether it passed its deadline not completed: {@link #expireIfOverdue} would time it out. */
    boolean isOverdue(long nowNanos) {
        return nowNanos - deadlineNanos >= 0 && !result.isDone();
    }

    /** Times the publish out when its deadline passed; it may still be confirmed late, with the same id. */
    void expireIfOverdue(long nowNanos) {
        if (isOverdue(nowNanos)) {
            result.completeExceptionally(new KeelTimeoutException("message " + record.id() + " to "
                    + record.topic() + " not confirmed within " + parts.config().timeout()
                    + "; it may still arrive, with the same id"));
        }
    }
}
