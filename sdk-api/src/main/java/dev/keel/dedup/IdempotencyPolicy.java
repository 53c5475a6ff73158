package dev.keel.dedup;

import java.time.Duration;
import java.util.Objects;

/**
 * How a subscription under {@code EFFECTIVELY_ONCE} uses the {@link IdempotencyStore}: how long a
 * claim holds a message id ({@link #lease()}), how long a done id is remembered
 * ({@link #retention()}), and how often a claim is tried again while the store is unavailable or
 * the id is busy elsewhere ({@link #storeRetryInterval()}). Immutable; values are validated as
 * they are set, with an {@link IllegalArgumentException} that says what is allowed. Build with
 * {@link #custom()}, {@link #ofDefaults()} or {@link #from(IdempotencyPolicy)}.
 */
public final class IdempotencyPolicy {

    /** The default {@link #lease()}: 60 seconds. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);
    /** The default {@link #retention()}: 24 hours. */
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);
    /** The default {@link #storeRetryInterval()}: 500 milliseconds. */
    public static final Duration DEFAULT_STORE_RETRY_INTERVAL = Duration.ofMillis(500);

    private final Duration lease;
    private final Duration retention;
    private final Duration storeRetryInterval;

    private IdempotencyPolicy(Builder b) {
        this.lease = b.lease;
        this.retention = b.retention;
        this.storeRetryInterval = b.storeRetryInterval;
    }

    /** The defaults: lease 60 s, retention 24 h, store retry interval 500 ms. */
    public static IdempotencyPolicy ofDefaults() {
        return custom().build();
    }

    /** A builder preset with the defaults. */
    public static Builder custom() {
        return new Builder();
    }

    /** A builder preset with every value of {@code base}. */
    public static Builder from(IdempotencyPolicy base) {
        return new Builder().lease(base.lease).retention(base.retention).storeRetryInterval(base.storeRetryInterval);
    }

    /**
     * How long a claim holds an id before another consumer may take it. It must exceed the
     * handler's running time: a claim that waited in its lane past half its lease is renewed before
     * the handler runs, but not while it runs.
     */
    public Duration lease() {
        return lease;
    }

    /** How long a done id is remembered: a duplicate arriving later than this is processed again. */
    public Duration retention() {
        return retention;
    }

    /** How often a claim (or marking done) is tried again while the store is unavailable or the id busy elsewhere. */
    public Duration storeRetryInterval() {
        return storeRetryInterval;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdempotencyPolicy p && p.lease.equals(lease) && p.retention.equals(retention)
                && p.storeRetryInterval.equals(storeRetryInterval);
    }

    @Override
    public int hashCode() {
        return Objects.hash(lease, retention, storeRetryInterval);
    }

    @Override
    public String toString() {
        return "IdempotencyPolicy{lease=" + lease + ", retention=" + retention + ", storeRetryInterval="
                + storeRetryInterval + "}";
    }

    /** Validates each value as it is set, and retention against lease on {@link #build()}. */
    public static final class Builder {
        private Duration lease = DEFAULT_LEASE;
        private Duration retention = DEFAULT_RETENTION;
        private Duration storeRetryInterval = DEFAULT_STORE_RETRY_INTERVAL;

        private Builder() {
        }

        /** How long a claim holds an id; positive. */
        public Builder lease(Duration lease) {
            this.lease = positive(lease, "lease");
            return this;
        }

        /** How long a done id is remembered; positive, and at least the lease. */
        public Builder retention(Duration retention) {
            this.retention = positive(retention, "retention");
            return this;
        }

        /** How often a claim is tried again while the store is unavailable or the id busy; positive. */
        public Builder storeRetryInterval(Duration storeRetryInterval) {
            this.storeRetryInterval = positive(storeRetryInterval, "storeRetryInterval");
            return this;
        }

        /**
         * The policy.
         *
         * @throws IllegalArgumentException if retention is shorter than lease
         */
        public IdempotencyPolicy build() {
            if (retention.compareTo(lease) < 0) {
                throw new IllegalArgumentException("retention (" + retention + ") must be >= lease (" + lease
                        + "): a done id must be remembered at least as long as a claim holds it");
            }
            return new IdempotencyPolicy(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be a positive duration, was " + d);
            }
            return d;
        }
    }
}
