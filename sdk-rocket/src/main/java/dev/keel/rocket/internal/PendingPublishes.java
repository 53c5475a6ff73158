package dev.keel.rocket.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The publishes a producer took and has not completed, and whether it still takes any. A publish is added only while
 * open, under the lock that closes: once {@link #close} returned, every publish is either here, for the close to
 * complete, or refused, so none is left pending however it raced the close (before, one registered just after the
 * close had failed the pending ones could wait for ever on a route check the close dropped). Thread-safe.
 */
final class PendingPublishes {

    private final Set<QueueLane.Pending> pending = ConcurrentHashMap.newKeySet();
    private boolean closed;

    /** Adds {@code publish} and removes it once its future completes; false, adding nothing, once closed. */
    boolean add(QueueLane.Pending publish) {
        synchronized (this) {
            if (closed) {
                return false;
            }
            pending.add(publish);
        }
        publish.result().whenComplete((receipt, failure) -> pending.remove(publish));
        return true;
    }

    /** Takes no more publishes; false when closed already. */
    synchronized boolean close() {
        boolean was = closed;
        closed = true;
        return !was;
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** The publishes not completed yet. */
    List<QueueLane.Pending> snapshot() {
        return List.copyOf(pending);
    }
}
