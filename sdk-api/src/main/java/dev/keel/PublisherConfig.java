package dev.keel;

import java.time.Duration;
import java.util.Objects;

/**
 * An immutable publisher configuration: the in-flight bound, the confirmation timeout, retries of
 * retriable failures, the circuit breakers (one per topic) that make a topic's publishes fail fast while
 * the broker is failing them, and whether concurrent publishes of one key are sent one at a time. Build with {@link #custom()}, {@link #ofDefaults()} or {@link #from(PublisherConfig)}.
 */
public final class PublisherConfig {

    public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
    public static final float DEFAULT_FAILURE_RATE_THRESHOLD = 50.0f;
    public static final int DEFAULT_MINIMUM_CALLS = 20;
    public static final Duration DEFAULT_OPEN_DURATION = Duration.ofSeconds(10);
    public static final boolean DEFAULT_SEQUENTIAL_PER_KEY = false;

    private final int maxInFlight;
    private final Duration timeout;
    private final int maxAttempts;
    private final Duration retryBackoff;
    private final float failureRateThreshold;
    private final int minimumCalls;
    private final Duration openDuration;
    private final boolean sequentialPerKey;

    private PublisherConfig(Builder b) {
        this.maxInFlight = b.maxInFlight;
        this.timeout = b.timeout;
        this.maxAttempts = b.maxAttempts;
        this.retryBackoff = b.retryBackoff;
        this.failureRateThreshold = b.failureRateThreshold;
        this.minimumCalls = b.minimumCalls;
        this.openDuration = b.openDuration;
        this.sequentialPerKey = b.sequentialPerKey;
    }

    /** The defaults: the DEFAULT_* constants of this class. */
    public static PublisherConfig ofDefaults() {
        return custom().build();
    }

    /** A builder preset with the defaults. */
    public static Builder custom() {
        return new Builder();
    }

    /** A builder preset with every value of {@code base}. */
    public static Builder from(PublisherConfig base) {
        return new Builder().maxInFlight(base.maxInFlight).timeout(base.timeout).maxAttempts(base.maxAttempts)
                .retryBackoff(base.retryBackoff).failureRateThreshold(base.failureRateThreshold)
                .minimumCalls(base.minimumCalls).openDuration(base.openDuration)
                .sequentialPerKey(base.sequentialPerKey);
    }

    /**
     * The most publishes in flight: awaiting confirmation, or timed out while a send or retry of
     * theirs is still running at the broker (a timed-out publish starts no further retry, and gives
     * its room back once its last send finished), so at most this many sends are outstanding at the
     * broker. A publish beyond it waits in the calling thread (also {@code publishAsync}) for room,
     * up to {@link #timeout()}, then fails with {@link KeelTimeoutException} without being sent.
     */
    public int maxInFlight() { return maxInFlight; }

    /**
     * How long a sent publish may wait for its confirmation, retries included, before it fails with
     * {@link KeelTimeoutException} (it may still arrive, with the same id); also how long a publish
     * waits for room in a full in-flight window before it is sent.
     */
    public Duration timeout() { return timeout; }

    /** Attempts per publish for retriable failures, the first attempt included: 1 means no retry. */
    public int maxAttempts() { return maxAttempts; }

    /** The wait before the first retry of a publish; it doubles for each further one. */
    public Duration retryBackoff() { return retryBackoff; }

    /** Failure percentage over a topic's recent calls at which its breaker opens (one breaker per topic). */
    public float failureRateThreshold() { return failureRateThreshold; }

    /** Calls of a topic its breaker needs to have seen before it may open. */
    public int minimumCalls() { return minimumCalls; }

    /** How long a topic's breaker stays open (its publishes fail fast) before it lets trial calls through. */
    public Duration openDuration() { return openDuration; }

    /**
     * Whether publishes of one key (on one topic) are sent one at a time: a publish is sent only
     * once the previous publish of its key was confirmed or failed for good, its retries included.
     * This keeps concurrent publishes of a key in order through retries (otherwise a retried
     * message can land after the next message of its key); keyless messages and other keys are not
     * held back. It costs throughput for a busy key (one broker round trip per message), and the
     * wait counts into each publish's {@link #timeout()}. Default {@value #DEFAULT_SEQUENTIAL_PER_KEY}.
     */
    public boolean sequentialPerKey() { return sequentialPerKey; }

    @Override
    public boolean equals(Object o) {
        return o instanceof PublisherConfig c && c.maxInFlight == maxInFlight && c.timeout.equals(timeout)
                && c.maxAttempts == maxAttempts && c.retryBackoff.equals(retryBackoff)
                && Float.compare(c.failureRateThreshold, failureRateThreshold) == 0 && c.minimumCalls == minimumCalls
                && c.openDuration.equals(openDuration) && c.sequentialPerKey == sequentialPerKey;
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxInFlight, timeout, maxAttempts, retryBackoff, failureRateThreshold, minimumCalls,
                openDuration, sequentialPerKey);
    }

    @Override
    public String toString() {
        return "PublisherConfig{maxInFlight=" + maxInFlight + ", timeout=" + timeout + ", maxAttempts=" + maxAttempts
                + ", retryBackoff=" + retryBackoff + ", failureRateThreshold=" + failureRateThreshold
                + ", minimumCalls=" + minimumCalls + ", openDuration=" + openDuration
                + ", sequentialPerKey=" + sequentialPerKey + "}";
    }

    /** Validates each value as it is set. */
    public static final class Builder {
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
        private float failureRateThreshold = DEFAULT_FAILURE_RATE_THRESHOLD;
        private int minimumCalls = DEFAULT_MINIMUM_CALLS;
        private Duration openDuration = DEFAULT_OPEN_DURATION;
        private boolean sequentialPerKey = DEFAULT_SEQUENTIAL_PER_KEY;

        private Builder() {
        }

        /** The most publishes awaiting confirmation; at least 1. */
        public Builder maxInFlight(int maxInFlight) {
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
            }
            this.maxInFlight = maxInFlight;
            return this;
        }

        /** The confirmation timeout, and the longest wait for room in the window; positive. */
        public Builder timeout(Duration timeout) {
            this.timeout = Checks.positive(timeout, "timeout");
            return this;
        }

        /** Attempts per publish, the first attempt included (1 = no retry); at least 1. */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be >= 1 (1 = no retry), was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** The wait before the first retry of a publish; positive. */
        public Builder retryBackoff(Duration retryBackoff) {
            this.retryBackoff = Checks.positive(retryBackoff, "retryBackoff");
            return this;
        }

        /** Failure percentage at which the breaker opens; in (0, 100]. */
        public Builder failureRateThreshold(float failureRateThreshold) {
            if (!(failureRateThreshold > 0 && failureRateThreshold <= 100)) {
                throw new IllegalArgumentException("failureRateThreshold must be in (0, 100], was " + failureRateThreshold);
            }
            this.failureRateThreshold = failureRateThreshold;
            return this;
        }

        /** Calls the breaker needs to have seen before it may open; at least 1. */
        public Builder minimumCalls(int minimumCalls) {
            if (minimumCalls < 1) {
                throw new IllegalArgumentException("minimumCalls must be >= 1, was " + minimumCalls);
            }
            this.minimumCalls = minimumCalls;
            return this;
        }

        /** How long the breaker stays open; positive. */
        public Builder openDuration(Duration openDuration) {
            this.openDuration = Checks.positive(openDuration, "openDuration");
            return this;
        }

        /**
         * Whether publishes of one key are sent one at a time, each once the previous one of its key
         * was confirmed or failed (see {@link PublisherConfig#sequentialPerKey()}).
         */
        public Builder sequentialPerKey(boolean sequentialPerKey) {
            this.sequentialPerKey = sequentialPerKey;
            return this;
        }

        /** The configuration. */
        public PublisherConfig build() {
            return new PublisherConfig(this);
        }
    }
}
