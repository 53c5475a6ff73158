package dev.keel.testbrokers;

import java.security.SecureRandom;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Names no other test (in this JVM or another one sharing the broker) uses: topics, queues,
 * consumer groups, virtual hosts, Redis key prefixes. They contain only {@code [a-z0-9-]} plus the
 * caller's prefix, so they are valid on Kafka, RabbitMQ, RocketMQ and Redis alike.
 */
public final class UniqueNames {
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_-]{1,60}");
    private static final String RUN = runTag();
    private static final AtomicLong COUNTER = new AtomicLong();

    private UniqueNames() {
    }

    /** E.g. {@code orders-k3x9q2-7}: the prefix, a tag of this JVM, a counter. */
    public static String of(String prefix) {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("prefix must be 1 to 60 characters of [A-Za-z0-9_-], not '" + prefix + "'");
        }
        return prefix + "-" + RUN + "-" + COUNTER.incrementAndGet();
    }

    /** A Redis key prefix ending in {@code :}, e.g. {@code dedup-k3x9q2-8:}. */
    public static String keyPrefix(String prefix) {
        return of(prefix) + ":";
    }

    private static String runTag() {
        SecureRandom random = new SecureRandom();
        return Long.toString(Math.abs(random.nextLong() % 2_176_782_336L), 36).toLowerCase(Locale.ROOT);
    }
}
