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

    PauseMeter(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.last = new AtomicLong(nanoTime.getAsLong());
    }

    static PauseMeter started() {
        return new PauseMeter(System::nanoTime);
    }

    void mark() {
        long now = nanoTime.getAsLong();
        long gap = now - last.getAndAccumulate(now, Math::max);
        longest.accumulateAndGet(gap, Math::max);
    }

    Duration longest() {
        return Duration.ofNanos(longest.get());
    }
}
