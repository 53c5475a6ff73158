package dev.keel.core.internal.chain;

import dev.keel.retry.RetryPolicy;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;

/** The waits a {@link RetryPolicy} asks for, computed by resilience4j's interval functions. */
public final class Backoff {

    private final IntervalFunction intervals;

    public Backoff(RetryPolicy policy) {
        this.intervals = policy.jitter() == 0.0
                ? IntervalFunction.ofExponentialBackoff(policy.initialBackoff(), policy.multiplier(), policy.maxBackoff())
                : IntervalFunction.ofExponentialRandomBackoff(policy.initialBackoff(), policy.multiplier(),
                        policy.jitter(), policy.maxBackoff());
    }

    /** The wait before the attempt that follows failed attempt number {@code attempt} (1-based). */
    public Duration after(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
        }
        return Duration.ofMillis(intervals.apply(attempt));
    }
}
