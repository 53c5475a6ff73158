package dev.keel.dedup.redis.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * An answer that costs a connection of the store's own to get, reused for {@link #REUSED_NANOS} so that the calls
 * failing together, and each retry, do not each ask again; {@link #forget} makes the next one ask.
 */
final class RecentAnswer<T> {

    static final long REUSED_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final LongSupplier nanoTime;
    /** Whether {@link #answer} is one to reuse: asked less than {@link #REUSED_NANOS} ago, and not forgotten since. */
    private volatile boolean held;
    private long askedNanos;
    private T answer;

    RecentAnswer(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** The answer asked less than {@link #REUSED_NANOS} ago, else what {@code ask} answers now. */
    synchronized T get(Supplier<T> ask) {
        if (held && nanoTime.getAsLong() - askedNanos < REUSED_NANOS) {
            return answer;
        }
        answer = ask.get();
        held = true;
        askedNanos = nanoTime.getAsLong();
        return answer;
    }

    /** The next {@link #get} asks again. */
    void forget() {
        if (held) {
            held = false;
        }
    }
}
