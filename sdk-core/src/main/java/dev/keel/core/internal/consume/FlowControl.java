package dev.keel.core.internal.consume;

import dev.keel.core.internal.claims.StorePauses;
import dev.keel.spi.BrokerConsumer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pauses the broker consumer while the subscription holds {@code maxInFlight} unfinished messages, or
 * {@code maxInFlightBytes} of their payloads, or the idempotency store is unavailable, and resumes it when both
 * have drained to half and the store is back. Pauses for good once the subscription is closing.
 */
public final class FlowControl implements StorePauses {

    private final BrokerConsumer consumer;
    private final int maxInFlight;
    private final long maxInFlightBytes;
    private static final Runnable NOTHING = () -> { };
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong inFlightBytes = new AtomicLong();
    /** Written under the lock; read without it by {@link #finished}, so a message that finishes takes no lock. */
    private volatile boolean full;
    private boolean storeDown;
    private boolean held;
    private boolean paused;

    public FlowControl(BrokerConsumer consumer, int maxInFlight, long maxInFlightBytes) {
        this.consumer = consumer;
        this.maxInFlight = maxInFlight;
        this.maxInFlightBytes = maxInFlightBytes;
    }

    /** {@code n} messages of {@code bytes} payload bytes in all arrived. */
    public void added(int n, long bytes) {
        long nowBytes = inFlightBytes.addAndGet(bytes);
        if (inFlight.addAndGet(n) >= maxInFlight || nowBytes >= maxInFlightBytes) {
            update(NOTHING);
        }
    }

    /**
     * A message of {@code bytes} payload bytes finished. Takes the lock only while full, and then only once both counts,
     * read after this message's decrements, have drained: of the messages that finish together, the last to decrement
     * reads both final counts, so it resumes the consumer if any does (a snapshot of the bytes taken before another
     * message's decrement of the count could leave both finishers thinking the other drained it). A finish that reads
     * {@code full} unset came before the update that sets it, which reads the counts again after setting it
     * ({@link #update}).
     */
    public void finished(long bytes) {
        inFlightBytes.addAndGet(-bytes);
        inFlight.decrementAndGet();
        if (full && drained()) {
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

    /** Payload bytes of the messages in flight. */
    public long inFlightBytes() {
        return inFlightBytes.get();
    }

    @Override
    public synchronized boolean isStoreDown() {
        return storeDown;
    }

    /**
     * Applies a change and tells the consumer under the same lock, so a pause decided before a
     * resume can never reach the consumer after it (which would leave it paused for good).
     * Adapters' pause and resume only flip a flag or wake their poll loop: they never call back.
     *
     * <p>Once it sets {@code full} it reads the counts again: a message that finished between the first read
     * and that write saw {@code full} unset and took no lock, so were the subscription drained by then, only
     * this second read sees it (without it the consumer could stay paused with nothing in flight).
     */
    private synchronized void update(Runnable change) {
        change.run();
        if (over()) {
            full = true;
        }
        if (drained()) { // read after the write above: see this method's comment
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

    private boolean over() {
        return inFlight.get() >= maxInFlight || inFlightBytes.get() >= maxInFlightBytes;
    }

    private boolean drained() {
        return inFlight.get() <= maxInFlight / 2 && inFlightBytes.get() <= maxInFlightBytes / 2;
    }
}
