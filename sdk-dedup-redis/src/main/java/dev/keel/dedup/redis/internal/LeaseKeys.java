package dev.keel.dedup.redis.internal;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How ids, tokens and durations become Redis keys, values and arguments, and how script replies
 * become SPI results. Keys are {@code <prefix>:<namespace>:<id>} with namespace {@code <group>:<topic>}.
 */
public final class LeaseKeys {

    private static final String PROCESSING = "p:";
    private static final String DONE = "d:";
    private static final String DEAD = "x:";

    private final String prefix;

    public LeaseKeys(String prefix) {
        this.prefix = prefix + ":";
    }

    public String key(String namespace, String id) {
        return prefix + namespace + ':' + id;
    }

    public static String processing(String token) {
        return PROCESSING + token;
    }

    public static String done(String token) {
        return DONE + token;
    }

    public static String dead(String token) {
        return DEAD + token;
    }

    /** A fresh owner token: random, unique in practice (122 random bits), cheap to make. */
    public static String newToken() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & ~(0x3L << 62)) | (0x2L << 62);
        return new UUID(high, low).toString();
    }

    /** Whole milliseconds for PX, rounded up so that a sub-millisecond duration is not zero. */
    public static String millis(Duration duration) {
        long ms = duration.toMillis();
        if (duration.minusMillis(ms).isZero()) {
            return Long.toString(ms);
        }
        return Long.toString(ms + 1);
    }

    public static ClaimResult claimResult(long reply, String token) {
        if (reply == LeaseScripts.CLAIMED || reply == LeaseScripts.RENEWED) {
            return ClaimResult.claimed(token);
        }
        if (reply == LeaseScripts.DUPLICATE) {
            return ClaimResult.duplicate();
        }
        if (reply == LeaseScripts.BUSY) {
            return ClaimResult.busy();
        }
        throw new IllegalStateException("the claim script answered " + reply + ", expected 0, 1, 2 or 3");
    }

    public static LeaseOutcome outcome(long reply) {
        if (reply == LeaseScripts.APPLIED) {
            return LeaseOutcome.APPLIED;
        }
        if (reply == LeaseScripts.LOST) {
            return LeaseOutcome.LOST;
        }
        throw new IllegalStateException("the lease script answered " + reply + ", expected 0 or 1");
    }
}
