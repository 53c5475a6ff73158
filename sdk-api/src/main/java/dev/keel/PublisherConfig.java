package dev.keel;

import java.time.Duration;

/**
 * An immutable publisher configuration: the in-flight bound, the confirmation timeout, retries of
 * retriable failures, and the circuit breaker that makes publishes fail fast while the broker is
 * failing. Build with {@link #custom()}, {@link #ofDefaults()} or {@link #from(PublisherConfig)}.
 */
public final class PublisherConfig {

    public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
    public static final float DEFAULT_FAILURE_RATE_THRESHOLD = 50.0f;
    public static final int DEFAULT_MINIMUM_CALLS = 20;
    public static final Duration DEFAULT_OPEN_DURATION = Duration.ofSeconds(10);

    private final int maxInFlight;
    private final Duration timeout;
    private final int maxAttempts;
    private final Duration retryBackoff;
    private final float failureRateThreshold;
    private final int minimumCalls;
    private final Duration openDuration;

    private PublisherConfig(Builder b) {
        this.maxInFlight = b.maxInFlight;
        this.timeout = b.timeout;
        this.maxAttempts = b.maxAttempts;
        this.retryBackoff = b.retryBackoff;
        this.failureRateThreshold = b.failureRateThreshold;
        this.minimumCalls = b.minimumCalls;
        this.openDuration = b.openDuration;
    }

    public static PublisherConfig ofDefaults() {
        return custom().build();
    }

    public static Builder custom() {
        return new Builder();
    }

    public static Builder from(PublisherConfig base) {
        return new Builder().maxInFlight(base.maxInFlight).timeout(base.timeout).maxAttempts(base.maxAttempts)
                .retryBackoff(base.retryBackoff).failureRateThreshold(base.failureRateThreshold)
                .minimumCalls(base.minimumCalls).openDuration(base.openDuration);
    }

    /** The most publishes awaiting confirmation; a publish beyond it waits for room up to {@link #timeout()}. */
    public int maxInFlight() { return maxInFlight; }

    /** How long a publish may take, retries included, before it fails with {@link KeelTimeoutException}. */
    public Duration timeout() { return timeout; }

    /** Attempts per publish for retriable failures (1 = no retry). */
    public int maxAttempts() { return maxAttempts; }

    public Duration retryBackoff() { return retryBackoff; }

    /** Failure percentage over the recent calls at which the breaker opens. */
    public float failureRateThreshold() { return failureRateThreshold; }

    /** Calls the breaker needs to have seen before it may open. */
    public int minimumCalls() { return minimumCalls; }

    /** How long the breaker stays open (publishes fail fast) before it lets trial calls through. */
    public Duration openDuration() { return openDuration; }

    @Override
    public String toString() {
        return "PublisherConfig{maxInFlight=" + maxInFlight + ", timeout=" + timeout + ", maxAttempts=" + maxAttempts
                + ", retryBackoff=" + retryBackoff + ", failureRateThreshold=" + failureRateThreshold
                + ", minimumCalls=" + minimumCalls + ", openDuration=" + openDuration + "}";
    }

    public static final class Builder {
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
        private float failureRateThreshold = DEFAULT_FAILURE_RATE_THRESHOLD;
        private int minimumCalls = DEFAULT_MINIMUM_CALLS;
        private Duration openDuration = DEFAULT_OPEN_DURATION;

        private Builder() {
        }

        public Builder maxInFlight(int maxInFlight) {
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight must be >= 1, was " + maxInFlight);
            }
            this.maxInFlight = maxInFlight;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = positive(timeout, "timeout");
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be >= 1 (1 = no retry), was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder retryBackoff(Duration retryBackoff) {
            this.retryBackoff = positive(retryBackoff, "retryBackoff");
            return this;
        }

        public Builder failureRateThreshold(float failureRateThreshold) {
            if (!(failureRateThreshold > 0 && failureRateThreshold <= 100)) {
                throw new IllegalArgumentException("failureRateThreshold must be in (0, 100], was " + failureRateThreshold);
            }
            this.failureRateThreshold = failureRateThreshold;
            return this;
        }

        public Builder minimumCalls(int minimumCalls) {
            if (minimumCalls < 1) {
                throw new IllegalArgumentException("minimumCalls must be >= 1, was " + minimumCalls);
            }
            this.minimumCalls = minimumCalls;
            return this;
        }

        public Builder openDuration(Duration openDuration) {
            this.openDuration = positive(openDuration, "openDuration");
            return this;
        }

        public PublisherConfig build() {
            return new PublisherConfig(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be a positive duration, was " + d);
            }
            return d;
        }
    }
}
