package dev.keel.core.internal.consume;

import dev.keel.Subscription;
import dev.keel.core.testing.Crashable;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A non-blocking-retry subscription as the application sees it: the engine subscription of the
 * origin topic and the one of its retry topic, with one state, closed and crashed together.
 */
public final class RetryingSubscription implements Subscription, Crashable {

    private final EngineSubscription origin;
    private final EngineSubscription retries;

    public RetryingSubscription(EngineSubscription origin, EngineSubscription retries) {
        this.origin = origin;
        this.retries = retries;
    }

    @Override
    public String topic() {
        return origin.topic();
    }

    @Override
    public String group() {
        return origin.group();
    }

    /** The more troubled of the two: FAILED, then RECONNECTING, then PAUSED, then CLOSING; CLOSED only when both are. */
    @Override
    public State state() {
        State a = origin.state();
        State b = retries.state();
        for (State s : new State[] {State.FAILED, State.RECONNECTING, State.PAUSED, State.CLOSING, State.RUNNING}) {
            if (a == s || b == s) {
                return s;
            }
        }
        return State.CLOSED;
    }

    @Override
    public Optional<Throwable> failure() {
        return origin.failure().or(retries::failure);
    }

    @Override
    public CompletionStage<Void> closeAsync(Duration timeout) {
        return CompletableFuture.allOf(origin.closeAsync(timeout).toCompletableFuture(),
                retries.closeAsync(timeout).toCompletableFuture());
    }

    @Override
    public void close() {
        close(origin.closeTimeoutOf());
    }

    /** Waits for the close, unless a handler of either subscription calls it: that one cannot wait for itself. */
    @Override
    public void close(Duration timeout) {
        if (origin.isOwnHandlerThread() || retries.isOwnHandlerThread()) {
            origin.closeFromOwnHandler(timeout);
            retries.closeFromOwnHandler(timeout);
            return;
        }
        Subscription.super.close(timeout);
    }

    @Override
    public CompletionStage<Void> crash() {
        return CompletableFuture.allOf(origin.crash().toCompletableFuture(), retries.crash().toCompletableFuture());
    }

    @Override
    public String toString() {
        return "RetryingSubscription{" + origin + ", retries=" + retries + "}";
    }
}
