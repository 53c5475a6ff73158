package dev.keel.cli.verify;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * One verify run's workload and faults, validated at once.
 *
 * @param messages      distinct messages to publish
 * @param keys          ordering keys they are spread over
 * @param lanes         handler lanes of the subscription
 * @param crashRate     probability that a delivery makes the consumer crash before it acks
 * @param maxCrashes    the most crashes injected in one run
 * @param duplicateRate probability that a message is published a second time, same id, later
 * @param poisonRate    probability that a message is poison (its handler always throws)
 * @param seed          seeds every random choice
 * @param dedup         false only in the deliberately broken mode (AT_LEAST_ONCE, no idempotency)
 * @param lease         the idempotency lease; a crashed consumer's claims expire after it
 * @param timeout       how long to wait for every message of a round to be accounted for
 * @param faults        the fault kinds to inject ({@code --faults})
 * @param duration      run rounds until this much time has passed; {@code null}: one round
 */
public record VerifySettings(int messages, int keys, int lanes, double crashRate, int maxCrashes,
                             double duplicateRate, double poisonRate, long seed, boolean dedup, Duration lease,
                             Duration timeout, Set<FaultKind> faults, Duration duration) {

    public static final int DEFAULT_MESSAGES = 2000;
    public static final int DEFAULT_KEYS = 50;
    public static final int DEFAULT_LANES = 8;
    public static final double DEFAULT_CRASH_RATE = 0.002;
    public static final int DEFAULT_MAX_CRASHES = 5;
    public static final double DEFAULT_DUPLICATE_RATE = 0.02;
    public static final double DEFAULT_POISON_RATE = 0.01;
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    /** Messages per round with {@code --duration} when {@code --messages} is not given. */
    public static final int DEFAULT_ROUND_MESSAGES = 500;
    /** The faults without {@code --faults}: consumer crashes, as before the other kinds existed. */
    public static final Set<FaultKind> DEFAULT_FAULTS = Set.of(FaultKind.CRASH);
    /** The shortest {@code --duration}. */
    public static final Duration MIN_DURATION = Duration.ofSeconds(1);

    public VerifySettings {
        if (messages < 1 || messages > 10_000_000) {
            throw new IllegalArgumentException("--messages must be in [1, 10000000], was " + messages);
        }
        if (keys < 1 || keys > messages) {
            throw new IllegalArgumentException("--keys must be in [1, messages=" + messages + "], was " + keys);
        }
        if (lanes < 1 || lanes > 1024) {
            throw new IllegalArgumentException("--lanes must be in [1, 1024], was " + lanes);
        }
        rate(crashRate, "--crash-rate");
        rate(duplicateRate, "--duplicate-rate");
        rate(poisonRate, "--poison-rate");
        if (maxCrashes < 0) {
            throw new IllegalArgumentException("--max-crashes must be >= 0, was " + maxCrashes);
        }
        if (lease == null || lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("--lease must be a positive duration, was " + lease);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("--timeout must be a positive duration, was " + timeout);
        }
        Objects.requireNonNull(faults, "faults");
        faults = faults.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(faults));
        if (duration != null && duration.compareTo(MIN_DURATION) < 0) {
            throw new IllegalArgumentException("--duration must be at least " + MIN_DURATION.toSeconds() + "s, was "
                    + duration);
        }
    }

    /** Whether the run is rounds until {@link #duration} is up, rather than one round. */
    public boolean rounds() {
        return duration != null;
    }

    private static void rate(double p, String flag) {
        if (!(p >= 0.0 && p <= 0.5)) {
            throw new IllegalArgumentException(flag + " must be a probability in [0, 0.5], was " + p);
        }
    }
}
