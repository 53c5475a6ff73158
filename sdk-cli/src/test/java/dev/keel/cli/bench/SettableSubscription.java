package dev.keel.cli.bench;

import dev.keel.Subscription;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A subscription whose state a test sets, and which keeps the timeout it was closed with. */
final class SettableSubscription implements Subscription {
    volatile State state = State.RUNNING;
    volatile Throwable failure;
    volatile Duration closedWith;

    @Override
    public String topic() {
        return "t";
    }

    @Override
    public String group() {
        return "g";
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public CompletionStage<Void> closeAsync(Duration timeout) {
        closedWith = timeout;
        state = State.CLOSED;
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
