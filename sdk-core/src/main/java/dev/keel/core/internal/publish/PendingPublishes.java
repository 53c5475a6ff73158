package dev.keel.core.internal.publish;

import dev.keel.ClosedException;
import java.util.ArrayList;
import java.util.List;
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
 *
 * <p>The sweep moves what was appended since the last one into a list of its own and filters that list; it does
 * not remove from the middle of the lock-free queue (a {@code ConcurrentLinkedQueue.removeIf} under concurrent
 * appends restarts from the head whenever it meets a node unlinked meanwhile, and took as much CPU as the
 * publishing thread in a JFR profile of {@code keel bench}).
 */
final class PendingPublishes {

    private static final long SWEEP_INTERVAL_MILLIS = 50;

    private final ConcurrentLinkedQueue<Publish> appended = new ConcurrentLinkedQueue<>();
    /** The publishes a sweep found not completed, in send order (guarded by this). */
    private final List<Publish> swept = new ArrayList<>();
    private final ScheduledFuture<?> sweeper;

    PendingPublishes(ScheduledExecutorService scheduler) {
        this.sweeper = scheduler.scheduleWithFixedDelay(this::expireOverdue, SWEEP_INTERVAL_MILLIS,
                SWEEP_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    void add(Publish publish) {
        appended.add(publish);
    }

    private synchronized void expireOverdue() {
        takeAppended();
        long now = System.nanoTime();
        swept.removeIf(publish -> {
            publish.expireIfOverdue(now);
            return publish.result().isDone();
        });
    }

    private void takeAppended() {
        Publish publish;
        while ((publish = appended.poll()) != null) {
            swept.add(publish);
        }
    }

    /** Completes once every publish pending now completed; the sweep stops then. */
    synchronized CompletableFuture<Void> drained() {
        takeAppended();
        CompletableFuture<?>[] waiting = swept.stream().map(Publish::result).filter(r -> !r.isDone())
                .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(waiting).handle((v, e) -> {
            sweeper.cancel(false);
            return null;
        });
    }

    /** Fails every publish still pending with {@code error} and stops the sweep. */
    void failAll(ClosedException error) {
        List<Publish> pending;
        synchronized (this) {
            takeAppended();
            pending = new ArrayList<>(swept);
        }
        pending.forEach(p -> p.result().completeExceptionally(error));
        sweeper.cancel(false);
    }
}
