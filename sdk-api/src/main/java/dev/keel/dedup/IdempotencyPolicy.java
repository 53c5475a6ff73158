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
 *
 * <p><b>The lease is a liveness lease.</b> A subscription renews every claim it holds (messages
 * waiting in their lane, running, retrying, or waiting to be marked done) every
 * {@link #renewalInterval()} (a third of the lease), in one batch. So a message may be handled
 * and retried for longer than the lease without losing its claim, and the lease only says how
 * soon the claims of a consumer that died (kill -9, a lost host) expire and another consumer of
 * the group may take its messages over. Keep it short; lengthen it only if the store can be
 * unreachable, or the process stalled (long GC pauses), for longer than two thirds of it.
 */
public final class IdempotencyPolicy {

    /**
     * The default {@link #lease()}: 10 seconds. Claims are renewed every third of it, so it bounds
     * how long a dead consumer's messages wait for another consumer, not how long a handler may run.
     */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    /** The shortest {@link #lease()}: 1 second (renewed every 333 ms). */
    public static final Duration MIN_LEASE = Duration.ofSeconds(1);
    /**
     * A lease is at least this many {@link #storeRetryInterval()}s, so a renewal that fails (the
     * store briefly unreachable) is tried again several times before the lease runs out.
     */
    public static final int MIN_LEASE_IN_RETRY_INTERVALS = 5;
    /** The {@link #renewalInterval()} is the lease divided by this. */
    public static final int RENEWALS_PER_LEASE = 3;
    /** The default {@link #retention()}: 24 hours. */
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);
    /**
     * The longest {@link #retention()}: 36,500 days (about 100 years), as good as "forever" for a done mark, and
     * far enough from the end of a {@code long} of epoch milliseconds that every store can write "now +
     * retention" (past that, Redis refuses the expiry and a table's expiry column overflows).
     */
    public static final Duration MAX_RETENTION = Duration.ofDays(36_500);
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

    /** The defaults: lease 10 s, retention 24 h, store retry interval 500 ms. */
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
     * How long a claim holds an id, unless renewed, before another consumer may take it. The
     * subscription renews its claims every {@link #renewalInterval()} while it holds them, however
     * long their handling and retries take; so this is how long the messages of a consumer that died
     * wait before another consumer may run them.
     */
    public Duration lease() {
        return lease;
    }

    /**
     * How often a subscription renews, in one batch, every claim it holds: a third of the
     * {@link #lease()}, in whole milliseconds. A renewal that fails is tried again every {@link #storeRetryInterval()}.
     */
    public Duration renewalInterval() {
        return Duration.ofMillis(lease.toMillis() / RENEWALS_PER_LEASE);
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

        /**
         * How long a claim holds an id unless renewed; at least {@link #MIN_LEASE} (1 s), at least
         * {@link #MIN_LEASE_IN_RETRY_INTERVALS} store retry intervals, and at most the retention.
         */
        public Builder lease(Duration lease) {
            positive(lease, "lease");
            if (lease.compareTo(MIN_LEASE) < 0) {
                throw new IllegalArgumentException("lease must be at least " + MIN_LEASE + ", was " + lease
                        + ": a subscription renews its claims every third of the lease");
            }
            this.lease = lease;
            return this;
        }

        /** How long a done id is remembered; positive, at least the lease and at most {@link #MAX_RETENTION}. */
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
         * @throws IllegalArgumentException if retention is longer than {@link #MAX_RETENTION} or shorter than lease,
         *                                  or the lease shorter than
         *                                  {@link #MIN_LEASE_IN_RETRY_INTERVALS} store retry intervals
         */
        public IdempotencyPolicy build() {
            if (retention.compareTo(MAX_RETENTION) > 0) {
                throw new IllegalArgumentException("retention (" + retention + ") must be at most " + MAX_RETENTION
                        + " (IdempotencyPolicy.MAX_RETENTION, 36,500 days): a store writes each done mark's expiry as"
                        + " now + retention, which a longer one makes overflow or Redis refuse");
            }
            if (retention.compareTo(lease) < 0) {
                throw new IllegalArgumentException("retention (" + retention + ") must be >= lease (" + lease
                        + "): a done id must be remembered at least as long as a claim holds it");
            }
            if (lease.compareTo(storeRetryInterval.multipliedBy(MIN_LEASE_IN_RETRY_INTERVALS)) < 0) {
                throw new IllegalArgumentException("lease (" + lease + ") must be >= " + MIN_LEASE_IN_RETRY_INTERVALS
                        + " x storeRetryInterval (" + storeRetryInterval + "): claims are renewed every third of the "
                        + "lease, and a renewal that fails is tried again every storeRetryInterval; lengthen the "
                        + "lease or shorten storeRetryInterval");
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
