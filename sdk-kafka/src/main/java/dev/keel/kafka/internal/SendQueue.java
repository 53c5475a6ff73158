package dev.keel.kafka.internal;

import dev.keel.spi.support.DaemonThreads;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded first-in first-out queue of items and the one thread of its own that hands them, in the order they
 * were appended, to {@code handler}. Callers only append (a lock-free add and a permit), so their work and the
 * handler's overlap; the thread is woken only when it had run out of work. At most {@code capacity} items wait:
 * an append waits for room up to the time it is given, then is refused. An item takes room until the handler
 * has finished with it.
 *
 * <p>After {@link #stop}, the thread hands on what was appended before (until it is told to give up), then
 * ends; an item appended after it ended, or left behind, goes to {@code refused}, once. Every appended item
 * reaches exactly one of the two.
 */
final class SendQueue<T> {

    private static final Logger LOG = LoggerFactory.getLogger(SendQueue.class);

    private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
    /** Items taken from {@link #items} ahead of their turn ({@link #waiting()}), handled first (the thread's only). */
    private final ArrayDeque<T> taken = new ArrayDeque<>();
    private final Semaphore room;
    private final Consumer<T> handler;
    private final Consumer<T> refused;
    private final Thread thread;
    /** The thread found nothing to do and parks (or is about to): an append wakes it. */
    private volatile boolean idle;
    private volatile boolean stopping;
    private volatile boolean ended;

    /**
     * @param name     the thread's name prefix
     * @param capacity how many items may wait at most
     * @param handler  what the thread does with each item, in order (its failures are its own to report)
     * @param refused  what becomes of an item the thread will not handle (appended after it ended)
     */
    SendQueue(String name, int capacity, Consumer<T> handler, Consumer<T> refused) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.room = new Semaphore(capacity);
        this.handler = handler;
        this.refused = refused;
        this.thread = DaemonThreads.named(name).newThread(this::run);
        thread.start();
    }

    /**
     * Appends {@code item}, waiting up to {@code maxWait} for room.
     *
     * @return false when the queue stayed full that long (the item is not appended)
     * @throws InterruptedException when interrupted while waiting for room (the item is not appended)
     */
    boolean append(T item, Duration maxWait) throws InterruptedException {
        if (!room.tryAcquire() && !room.tryAcquire(maxWait.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        items.add(item);
        if (ended) {
            refuseRemaining(); // nothing will hand it on any more
        } else if (idle) {
            LockSupport.unpark(thread);
        }
        return true;
    }

    /**
     * Every item appended so far and not handled yet, in order (for the handler, on the thread): each is still
     * handled in its turn, and takes room until then.
     */
    Collection<T> waiting() {
        T item;
        while ((item = items.poll()) != null) {
            taken.add(item);
        }
        return Collections.unmodifiableCollection(taken);
    }

    /** Whether the calling thread is this queue's. */
    boolean isOwnThread() {
        return Thread.currentThread() == thread;
    }

    /**
     * Lets the thread hand on what was appended so far, then end; waits up to {@code timeout} for that.
     *
     * @return whether the thread ended in time
     */
    boolean stop(Duration timeout) throws InterruptedException {
        stopping = true;
        LockSupport.unpark(thread);
        thread.join(Math.max(1, timeout.toMillis()));
        return !thread.isAlive();
    }

    /** Refuses every item still waiting (after {@link #stop}, for what the thread left). */
    void refuseRemaining() {
        T item;
        while ((item = items.poll()) != null) {
            room.release();
            refuse(item);
        }
    }

    private void run() {
        try {
            while (true) {
                T item = taken.isEmpty() ? items.poll() : taken.poll();
                if (item != null) {
                    handle(item);
                    room.release();
                    continue;
                }
                if (stopping) {
                    return;
                }
                idle = true;
                if (items.isEmpty() && !stopping) {
                    LockSupport.park(this);
                }
                idle = false;
            }
        } finally {
            ended = true;
            // callers waiting for room wake, append, see the thread ended and refuse what they appended
            room.release(Integer.MAX_VALUE / 2);
            T item;
            while ((item = taken.poll()) != null) {
                refuse(item);
            }
            refuseRemaining();
        }
    }

    private void handle(T item) {
        try {
            handler.accept(item);
        } catch (Throwable e) {
            LOG.warn("A queued send failed unexpectedly: {}", e.toString());
            refuse(item);
        }
    }

    private void refuse(T item) {
        try {
            refused.accept(item);
        } catch (RuntimeException e) {
            LOG.warn("Refusing a queued send failed: {}", e.toString());
        }
    }
}
