package dev.keel.outbox.jdbc;

import dev.keel.metrics.MetricsRecorder;
import dev.keel.outbox.jdbc.internal.Names;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the {@link Outbox} and its {@link OutboxRelay}: one config for both, so the table they
 * share is named in one place. Immutable; values are validated as they are set, with an
 * {@link IllegalArgumentException} that says what is allowed. Build with {@link #custom()},
 * {@link #ofDefaults()} or {@link #from(OutboxConfig)}.
 */
public final class OutboxConfig {

    /** The default {@link #tablePrefix()}: {@code keel_}, as in the shipped scripts ({@code keel_outbox}). */
    public static final String DEFAULT_TABLE_PREFIX = Names.DEFAULT_TABLE_PREFIX;
    /** The default {@link #batchSize()}: 500 rows per relay round. */
    public static final int DEFAULT_BATCH_SIZE = 500;
    /** The largest {@link #batchSize()}. */
    public static final int MAX_BATCH_SIZE = 10_000;
    /** The default {@link #lanesPerRound()}: 4 of the table's lanes (16 in the shipped script). */
    public static final int DEFAULT_LANES_PER_ROUND = 4;
    /** The default {@link #workers()}: 4 rounds at once (with the default 4 lanes a round: all 16 lanes). */
    public static final int DEFAULT_WORKERS = 4;
    /** The largest {@link #workers()}. */
    public static final int MAX_WORKERS = 64;
    /** The default {@link #pollInterval()}: 1 second. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    /** The default {@link #confirmTimeout()}: 60 seconds. */
    public static final Duration DEFAULT_CONFIRM_TIMEOUT = Duration.ofSeconds(60);
    /** The default {@link #databaseTimeout()}: 30 seconds. */
    public static final Duration DEFAULT_DATABASE_TIMEOUT = Duration.ofSeconds(30);

    private final String tablePrefix;
    private final int batchSize;
    private final int lanesPerRound;
    private final int workers;
    private final Duration pollInterval;
    private final Duration confirmTimeout;
    private final Duration databaseTimeout;
    private final Clock clock;
    private final boolean listen;
    private final MetricsRecorder metrics;

    private OutboxConfig(Builder b) {
        this.tablePrefix = b.tablePrefix;
        this.batchSize = b.batchSize;
        this.lanesPerRound = b.lanesPerRound;
        this.workers = b.workers;
        this.pollInterval = b.pollInterval;
        this.confirmTimeout = b.confirmTimeout;
        this.databaseTimeout = b.databaseTimeout;
        this.clock = b.clock;
        this.listen = b.listen;
        this.metrics = b.metrics;
    }

    /** The defaults (the DEFAULT_* constants of this class). */
    public static OutboxConfig ofDefaults() {
        return custom().build();
    }

    public static Builder custom() {
        return new Builder();
    }

    public static Builder from(OutboxConfig base) {
        return new Builder().tablePrefix(base.tablePrefix).batchSize(base.batchSize).lanesPerRound(base.lanesPerRound)
                .workers(base.workers).pollInterval(base.pollInterval).confirmTimeout(base.confirmTimeout)
                .databaseTimeout(base.databaseTimeout).clock(base.clock).listen(base.listen)
                .metrics(base.metrics);
    }

    /** The tables are {@code <tablePrefix>outbox} and {@code <tablePrefix>outbox_lane}. */
    public String tablePrefix() { return tablePrefix; }

    /**
     * The most rows a relay publishes or parks in one round (one transaction); a round that could not publish some
     * rows reads further pages past them, leaving their keys out (up to 1,000 failing keys a round).
     */
    public int batchSize() { return batchSize; }

    /**
     * How many lanes a relay locks per round. Fewer than the table's lanes lets several relays work at
     * once; each key belongs to one lane, so its messages are published by one relay at a time, in order.
     */
    public int lanesPerRound() { return lanesPerRound; }

    /**
     * How many rounds a relay runs at once, each over its own group of {@link #lanesPerRound()} lanes, in a
     * transaction and on a connection of its own (so a relay uses up to this many connections, plus one to LISTEN).
     * A key's rows are in one lane, so they are still published by one round at a time, in sequence order; rounds
     * of other groups publish meanwhile, so more keys are in flight at once and one round's database work overlaps
     * the others' publishes. {@code 1}: one round at a time, in the relay's own thread.
     */
    public int workers() { return workers; }

    /**
     * How long an idle relay waits before it looks for rows again. On PostgreSQL a commit wakes the relay
     * at once (LISTEN/NOTIFY) and this is only a safety net; on MariaDB/MySQL it is the longest wait from
     * commit to publish.
     */
    public Duration pollInterval() { return pollInterval; }

    /**
     * How long a round waits for the broker's confirmations; rows not confirmed in that time stay and
     * are published again (with the same message id) in a later round, after a poll interval.
     */
    public Duration confirmTimeout() { return confirmTimeout; }

    /**
     * How long the relay waits for the database's reply to one of its statements before it gives the connection up
     * ({@link java.sql.Connection#setNetworkTimeout} on every connection the relay opens: its rounds', its LISTEN
     * connection's, {@link OutboxRelay#backlog()}'s). A database host that died, or a network that lost the reply,
     * then fails the round (its rows stay, its group of lanes is tried again after {@link #pollInterval()} on a new
     * connection, {@link OutboxRelay#databaseFailure()} tells it) instead of hanging the relay until it is restarted.
     * Keep it above the relay's slowest statement, lock waits included (a delete waiting for a transaction of yours
     * that locks pending rows). A round waiting for the broker's confirmations waits on no reply of the database, so
     * this does not bound it. It is also each round session's statement limit (PostgreSQL {@code statement_timeout},
     * MariaDB and MySQL {@code innodb_lock_wait_timeout}) and part of its idle-in-transaction limit; the relay gives
     * each connection back with the network timeout, auto-commit mode, isolation and session settings it had.
     */
    public Duration databaseTimeout() { return databaseTimeout; }

    /**
     * The clock of the rows' {@code created_at} and {@code parked_at} (epoch milliseconds), and the time
     * a message's {@code delay} counts from when {@link Outbox#publish} stores it as its due time.
     */
    public Clock clock() { return clock; }

    /**
     * Where the relay reports the rows it parks ({@code MetricEvent.OUTBOX_PARKED}, tagged with the row's
     * topic); by default nowhere. Give it the recorder the application's Keel reports to.
     */
    public MetricsRecorder metrics() { return metrics; }

    /**
     * On PostgreSQL, whether the relay LISTENs for commits (on a connection of its own) and publishes at
     * once; when {@code false} it only polls every {@link #pollInterval()}. Ignored on MariaDB/MySQL.
     */
    public boolean listen() { return listen; }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutboxConfig c && c.tablePrefix.equals(tablePrefix) && c.batchSize == batchSize
                && c.lanesPerRound == lanesPerRound && c.workers == workers && c.pollInterval.equals(pollInterval)
                && c.confirmTimeout.equals(confirmTimeout) && c.databaseTimeout.equals(databaseTimeout)
                && c.clock.equals(clock) && c.listen == listen
                && c.metrics.equals(metrics);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tablePrefix, batchSize, lanesPerRound, workers, pollInterval, confirmTimeout, databaseTimeout,
                clock, listen, metrics);
    }

    @Override
    public String toString() {
        return "OutboxConfig{tablePrefix=" + tablePrefix + ", batchSize=" + batchSize + ", lanesPerRound="
                + lanesPerRound + ", workers=" + workers + ", pollInterval=" + pollInterval + ", confirmTimeout="
                + confirmTimeout + ", databaseTimeout=" + databaseTimeout
                + ", clock=" + clock + ", listen=" + listen + ", metrics=" + metrics + "}";
    }

    /** Validates each value as it is set. */
    public static final class Builder {
        private String tablePrefix = DEFAULT_TABLE_PREFIX;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private int lanesPerRound = DEFAULT_LANES_PER_ROUND;
        private int workers = DEFAULT_WORKERS;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private Duration confirmTimeout = DEFAULT_CONFIRM_TIMEOUT;
        private Duration databaseTimeout = DEFAULT_DATABASE_TIMEOUT;
        private Clock clock = Clock.systemUTC();
        private boolean listen = true;
        private MetricsRecorder metrics = MetricsRecorder.noop();

        private Builder() {
        }

        /** A letter or {@code _} and up to 39 letters, digits or {@code _}; the scripts' {@code keel_} replaced by it. */
        public Builder tablePrefix(String tablePrefix) {
            this.tablePrefix = Names.checkPrefix(tablePrefix);
            return this;
        }

        /** In [1, {@value #MAX_BATCH_SIZE}]. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
                throw new IllegalArgumentException("batchSize must be in [1, " + MAX_BATCH_SIZE + "], was " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** At least 1; more than the table's lanes means all of them. */
        public Builder lanesPerRound(int lanesPerRound) {
            if (lanesPerRound < 1) {
                throw new IllegalArgumentException("lanesPerRound must be >= 1, was " + lanesPerRound);
            }
            this.lanesPerRound = lanesPerRound;
            return this;
        }

        /** In [1, {@value #MAX_WORKERS}]. */
        public Builder workers(int workers) {
            if (workers < 1 || workers > MAX_WORKERS) {
                throw new IllegalArgumentException("workers must be in [1, " + MAX_WORKERS + "], was " + workers);
            }
            this.workers = workers;
            return this;
        }

        /** Between 10 ms and 10 minutes. */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = between(pollInterval, "pollInterval", Duration.ofMillis(10), Duration.ofMinutes(10));
            return this;
        }

        /** Between 100 ms and 1 hour. */
        public Builder confirmTimeout(Duration confirmTimeout) {
            this.confirmTimeout = between(confirmTimeout, "confirmTimeout", Duration.ofMillis(100), Duration.ofHours(1));
            return this;
        }

        /** Between 1 second and 1 hour. */
        public Builder databaseTimeout(Duration databaseTimeout) {
            this.databaseTimeout = between(databaseTimeout, "databaseTimeout", Duration.ofSeconds(1), Duration.ofHours(1));
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** {@code false}: poll only, also on PostgreSQL (default {@code true}: LISTEN/NOTIFY there). */
        public Builder listen(boolean listen) {
            this.listen = listen;
            return this;
        }

        /** Where the relay reports parked rows (default: {@link MetricsRecorder#noop()}). */
        public Builder metrics(MetricsRecorder metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        public OutboxConfig build() {
            return new OutboxConfig(this);
        }

        private static Duration between(Duration value, String what, Duration min, Duration max) {
            if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(what + " must be between " + min + " and " + max + ", was " + value);
            }
            return value;
        }
    }
}
