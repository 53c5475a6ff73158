package dev.keel.pcbaseline;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts handled messages, times them from the first to the last, and counts key-order violations:
 * a handler run that starts while another run of the same key is still in progress, or whose offset
 * is not above the last offset started for its key.
 */
final class KeyOrderTracker {

    /** Per key: the last offset started and whether a run of the key is in progress. */
    private static final class KeyState {
        long lastOffset = -1;
        boolean busy;
    }

    private final Map<String, KeyState> keys = new ConcurrentHashMap<>();
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong violations = new AtomicLong();
    private final AtomicLong firstNanos = new AtomicLong();
    private volatile long lastNanos;

    /** A handler run of {@code key} at {@code offset} starts. */
    void started(String key, long offset) {
        keys.compute(key, (k, state) -> {
            KeyState s = state == null ? new KeyState() : state;
            if (s.busy || offset <= s.lastOffset) {
                violations.incrementAndGet();
            }
            s.busy = true;
            s.lastOffset = Math.max(s.lastOffset, offset);
            return s;
        });
    }

    /** The handler run of {@code key} ends: the message counts as handled. */
    void finished(String key) {
        keys.computeIfPresent(key, (k, s) -> {
            s.busy = false;
            return s;
        });
        long now = System.nanoTime();
        firstNanos.compareAndSet(0, now);
        lastNanos = now;
        count.incrementAndGet();
    }

    long count() {
        return count.get();
    }

    long violations() {
        return violations.get();
    }

    /** Seconds between the first handled message and the last. */
    double seconds() {
        long first = firstNanos.get();
        return first == 0 ? 0 : (lastNanos - first) / 1e9;
    }

    /** Messages per second between the first handled message and the last (the first opens the clock). */
    double perSecond() {
        long n = count.get();
        long elapsed = lastNanos - firstNanos.get();
        return n < 2 || elapsed <= 0 ? 0 : (n - 1) * 1e9 / elapsed;
    }
}
