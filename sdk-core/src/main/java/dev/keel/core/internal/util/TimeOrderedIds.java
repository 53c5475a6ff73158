package dev.keel.core.internal.util;

import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Time-ordered UUIDs (version 7 layout: 48 bits of epoch milliseconds, then 74 random bits). The
 * random bits need to be unique, not secret: a per-thread generator avoids the lock of a shared
 * SecureRandom on the publish path.
 */
public final class TimeOrderedIds {

    private final Clock clock;

    public TimeOrderedIds(Clock clock) {
        this.clock = clock;
    }

    public String next() {
        return next(clock.millis());
    }

    /** An id of the given time (epoch milliseconds), for a caller that has read the clock already. */
    public String next(long millis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (millis << 16) | 0x7000L | (random.nextInt() & 0x0FFFL);
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
