package dev.keel.internal;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;

/** Time-ordered UUIDs (version 7 layout: 48 bits of epoch milliseconds, then random bits). */
public final class TimeOrderedIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Clock clock;

    public TimeOrderedIds(Clock clock) {
        this.clock = clock;
    }

    public String next() {
        long millis = clock.millis();
        long msb = (millis << 16) | 0x7000L | (RANDOM.nextInt() & 0x0FFFL);
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
