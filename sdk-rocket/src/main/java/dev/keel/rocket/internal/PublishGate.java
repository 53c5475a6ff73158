package dev.keel.rocket.internal;

import java.util.concurrent.TimeUnit;

/**
 * The publishes of a transactional publisher that are under way, so that its close can wait for them: once
 * closed, no publish enters; {@link #awaitNone} waits for those inside to leave. Thread-safe.
 */
final class PublishGate {

    private int inside;
    private boolean closed;

    /** Lets a publish in; false once closed. */
    synchronized boolean enter() {
        if (closed) {
            return false;
        }
        inside++;
        return true;
    }

    synchronized void leave() {
        inside--;
        if (inside == 0) {
            notifyAll();
        }
    }

    /** Lets no more publishes in; false when it was closed already. */
    synchronized boolean close() {
        boolean was = closed;
        closed = true;
        return !was;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** Waits up to {@code timeoutMillis} until no publish is inside; returns how many still are. */
    synchronized int awaitNone(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (inside > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return inside;
    }
}
