package dev.keel.cli.verify;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The longest pause between two consecutive events (publish confirmations, deliveries) of a round,
 * counted from the meter's start; a pause after the last event is not counted (the round was done).
 */
final class PauseMeter {

    private final LongSupplier nanoTime;
    private final AtomicLong last;
    private final AtomicLong longest = new AtomicLong();
    private final AtomicLong longestEndedAt = new AtomicLong(-1);
    private final long startedAt;

    PauseMeter(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.startedAt = nanoTime.getAsLong();
        this.last = new AtomicLong(startedAt);
    }

    static PauseMeter started() {
        return new PauseMeter(System::nanoTime);
    }

    void mark() {
        long now = nanoTime.getAsLong();
        long gap = now - last.getAndAccumulate(now, Math::max);
        if (gap > longest.get()) {
            synchronized (this) {
                if (gap > longest.get()) {
                    longest.set(gap);
                    longestEndedAt.set(now);
                }
            }
        }
    }

    Duration longest() {
        return Duration.ofNanos(longest.get());
    }

    /** When the longest pause ended, from the meter's start; {@code null} before any event. */
    synchronized Duration longestEndedAfter() {
        long at = longestEndedAt.get();
        return at < 0 ? null : Duration.ofNanos(at - startedAt);
    }
}
