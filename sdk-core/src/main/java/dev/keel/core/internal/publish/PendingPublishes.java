package dev.keel.core.internal.publish;

import dev.keel.ClosedException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The publishes not completed yet, in the order they were sent, swept every
 * {@value #SWEEP_INTERVAL_MILLIS} ms: one that passed its deadline times out, completed ones leave.
 * One lock-free append per publish and one periodic sweep, instead of a timer or a map entry per
 * publish, which cost more than the publish.
 */
final class PendingPublishes {

    private static final long SWEEP_INTERVAL_MILLIS = 50;

    private final ConcurrentLinkedQueue<Publish> pending = new ConcurrentLinkedQueue<>();
    private final ScheduledFuture<?> sweeper;

    PendingPublishes(ScheduledExecutorService scheduler) {
        this.sweeper = scheduler.scheduleWithFixedDelay(this::expireOverdue, SWEEP_INTERVAL_MILLIS,
                SWEEP_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    void add(Publish publish) {
        pending.add(publish);
    }

    private void expireOverdue() {
        long now = System.nanoTime();
        pending.removeIf(publish -> {
            publish.expireIfOverdue(now);
            return publish.result().isDone();
        });
    }

    /** Completes once every publish pending now completed; the sweep stops then. */
    CompletableFuture<Void> drained() {
        CompletableFuture<?>[] waiting = pending.stream().map(Publish::result).toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(waiting).handle((v, e) -> {
            sweeper.cancel(false);
            return null;
        });
    }

    /** Fails every publish still pending with {@code error} and stops the sweep. */
    void failAll(ClosedException error) {
        pending.forEach(p -> p.result().completeExceptionally(error));
        sweeper.cancel(false);
    }
}
