package dev.keel.core.internal.consume;

import dev.keel.core.internal.claims.StorePauses;
import dev.keel.spi.BrokerConsumer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pauses the broker consumer while the subscription holds {@code maxInFlight} unfinished messages
 * or the idempotency store is unavailable, and resumes it when in-flight work has drained to half
 * and the store is back. Pauses for good once the subscription is closing.
 */
public final class FlowControl implements StorePauses {

    private final BrokerConsumer consumer;
    private final int maxInFlight;
    private static final Runnable NOTHING = () -> { };
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Written under the lock; read without it by {@link #finished()}, so a message that finishes takes no lock. */
    private volatile boolean full;
    private boolean storeDown;
    private boolean held;
    private boolean paused;

    public FlowControl(BrokerConsumer consumer, int maxInFlight) {
        this.consumer = consumer;
        this.maxInFlight = maxInFlight;
    }

    public void added(int n) {
        if (inFlight.addAndGet(n) >= maxInFlight) {
            update(NOTHING);
        }
    }

    /**
     * Takes the lock only while full: either it sees {@code full} set, or the update that would set
     * it reads the in-flight count after this decrement and finds it below the bound.
     */
    public void finished() {
        if (inFlight.decrementAndGet() <= maxInFlight / 2 && full) {
            update(NOTHING);
        }
    }

    @Override
    public void storeDown() {
        update(() -> storeDown = true);
    }

    @Override
    public void storeUp() {
        update(() -> storeDown = false);
    }

    /** Pauses for good: the subscription is closing. */
    public void hold() {
        update(() -> held = true);
    }

    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public synchronized boolean isStoreDown() {
        return storeDown;
    }

    /**
     * Applies a change and tells the consumer under the same lock, so a pause decided before a
     * resume can never reach the consumer after it (which would leave it paused for good).
     * Adapters' pause and resume only flip a flag or wake their poll loop: they never call back.
     */
    private synchronized void update(Runnable change) {
        change.run();
        int now = inFlight.get();
        if (now >= maxInFlight) {
            full = true;
        } else if (now <= maxInFlight / 2) {
            full = false;
        }
        boolean shouldPause = full || storeDown || held;
        if (shouldPause && !paused) {
            paused = true;
            consumer.pause();
        } else if (!shouldPause && paused) {
            paused = false;
            consumer.resume();
        }
    }
}
