package dev.keel.core.internal.publish;

import dev.keel.ClosedException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
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
 * <p>The sweep moves what was appended since the last one into a deque of its own. Publishes are appended in send
 * order, so in the order of their deadlines: the sweep times out and drops from the front only, while the front
 * one is completed or overdue, and touches the rest only when more than {@code compactAbove} are kept (completed
 * ones held behind one that waits), then it filters them all. It never removes from the middle of the lock-free
 * queue (a {@code ConcurrentLinkedQueue.removeIf} under concurrent appends restarts from the head whenever it meets
 * a node unlinked meanwhile, and took as much CPU as the publishing thread in a JFR profile of {@code keel bench}).
 */
final class PendingPublishes {

    private static final long SWEEP_INTERVAL_MILLIS = 50;

    private final ConcurrentLinkedQueue<Publish> appended = new ConcurrentLinkedQueue<>();
    /** The publishes taken from {@link #appended}, in send order, the front one not completed (guarded by this). */
    private final ArrayDeque<Publish> swept = new ArrayDeque<>();
    private final int compactAbove;
    private final ScheduledFuture<?> sweeper;

    /** {@code compactAbove}: how many kept publishes make a sweep look past the front one (twice the window). */
    PendingPublishes(ScheduledExecutorService scheduler, int compactAbove) {
        this.compactAbove = compactAbove;
        this.sweeper = scheduler.scheduleWithFixedDelay(this::expireOverdue, SWEEP_INTERVAL_MILLIS,
                SWEEP_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    void add(Publish publish) {
        appended.add(publish);
    }

    /**
     * Finds the overdue publishes under the lock and times them out after it: a timed-out publish's callbacks run in
     * the completing thread, and one that calls back into Keel (a publish again, while Keel closes) must not wait for
     * a lock while this one is held ({@link #failAll} takes it: the close and such a callback waited for each other
     * for good). An overdue publish stays where it is until it is done, so that {@link #drained} and
     * {@link #failAll} still see it meanwhile; the next sweep drops it.
     */
    private void expireOverdue() {
        long now = System.nanoTime();
        List<Publish> overdue = new ArrayList<>();
        synchronized (this) {
            takeAppended();
            Iterator<Publish> front = swept.iterator();
            while (front.hasNext()) {
                Publish publish = front.next();
                if (publish.result().isDone()) {
                    front.remove();
                } else if (publish.isOverdue(now)) {
                    overdue.add(publish);
                } else {
                    break;
                }
            }
            if (swept.size() > compactAbove) {
                swept.removeIf(publish -> {
                    if (publish.isOverdue(now)) {
                        overdue.add(publish);
                    }
                    return publish.result().isDone();
                });
            }
        }
        overdue.forEach(publish -> publish.expireIfOverdue(now));
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
