package dev.keel.cli.bench;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts handled messages and times them from the first to the last, so that group joins and
 * start-up before the first message do not count.
 */
public final class Throughput {

    private final AtomicLong count = new AtomicLong();
    private final AtomicLong firstNanos = new AtomicLong();
    private volatile long lastNanos;

    public void record() {
        long now = System.nanoTime();
        firstNanos.compareAndSet(0, now);
        lastNanos = now;
        count.incrementAndGet();
    }

    public long count() {
        return count.get();
    }

    /** Messages per second between the first and the last message (the first one opens the clock). */
    public double perSecond() {
        long n = count.get();
        long elapsed = lastNanos - firstNanos.get();
        if (n < 2 || elapsed <= 0) {
            return 0;
        }
        return (n - 1) * 1e9 / elapsed;
    }
}
