package dev.keel.dedup.jdbc;

import dev.keel.outbox.jdbc.internal.Names;
import java.time.Clock;
import java.util.Objects;

/**
 * Settings of a {@link JdbcIdempotencyStore}. Immutable; values are validated as they are set, with
 * an {@link IllegalArgumentException} that says what is allowed. Build with {@link #custom()},
 * {@link #ofDefaults()} or {@link #from(JdbcStoreConfig)}.
 */
public final class JdbcStoreConfig {

    /** The default {@link #tablePrefix()}: {@code keel_}, as in the shipped scripts (table {@code keel_inbox}). */
    public static final String DEFAULT_TABLE_PREFIX = Names.DEFAULT_TABLE_PREFIX;
    /** The default {@link #purgeBatchSize()}: 1000 rows per delete statement. */
    public static final int DEFAULT_PURGE_BATCH_SIZE = 1_000;
    /** The largest {@link #purgeBatchSize()}. */
    public static final int MAX_PURGE_BATCH_SIZE = 100_000;

    private final String tablePrefix;
    private final Clock clock;
    private final int purgeBatchSize;

    private JdbcStoreConfig(Builder b) {
        this.tablePrefix = b.tablePrefix;
        this.clock = b.clock;
        this.purgeBatchSize = b.purgeBatchSize;
    }

    /** Table {@code keel_inbox}, the system UTC clock, purges of 1000 rows per statement. */
    public static JdbcStoreConfig ofDefaults() {
        return custom().build();
    }

    public static Builder custom() {
        return new Builder();
    }

    public static Builder from(JdbcStoreConfig base) {
        return new Builder().tablePrefix(base.tablePrefix).clock(base.clock).purgeBatchSize(base.purgeBatchSize);
    }

    /** The inbox table is {@code <tablePrefix>inbox}. */
    public String tablePrefix() { return tablePrefix; }

    /**
     * The clock that leases and retention are measured by. Every consumer of a group must see about
     * the same time: keep the hosts' clocks synchronised (NTP); a skew shortens or lengthens leases by as much.
     */
    public Clock clock() { return clock; }

    /** How many expired rows one delete statement of {@link JdbcIdempotencyStore#purgeExpired()} removes at most. */
    public int purgeBatchSize() { return purgeBatchSize; }

    @Override
    public boolean equals(Object o) {
        return o instanceof JdbcStoreConfig c && c.tablePrefix.equals(tablePrefix) && c.clock.equals(clock)
                && c.purgeBatchSize == purgeBatchSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(tablePrefix, clock, purgeBatchSize);
    }

    @Override
    public String toString() {
        return "JdbcStoreConfig{tablePrefix=" + tablePrefix + ", clock=" + clock + ", purgeBatchSize="
                + purgeBatchSize + "}";
    }

    /** Validates each value as it is set. */
    public static final class Builder {
        private String tablePrefix = DEFAULT_TABLE_PREFIX;
        private Clock clock = Clock.systemUTC();
        private int purgeBatchSize = DEFAULT_PURGE_BATCH_SIZE;

        private Builder() {
        }

        /** A letter or {@code _} and up to 39 letters, digits or {@code _}; the scripts' {@code keel_} replaced by it. */
        public Builder tablePrefix(String tablePrefix) {
            this.tablePrefix = Names.checkPrefix(tablePrefix);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** In [1, {@value #MAX_PURGE_BATCH_SIZE}]. */
        public Builder purgeBatchSize(int purgeBatchSize) {
            if (purgeBatchSize < 1 || purgeBatchSize > MAX_PURGE_BATCH_SIZE) {
                throw new IllegalArgumentException("purgeBatchSize must be in [1, " + MAX_PURGE_BATCH_SIZE + "], was "
                        + purgeBatchSize);
            }
            this.purgeBatchSize = purgeBatchSize;
            return this;
        }

        public JdbcStoreConfig build() {
            return new JdbcStoreConfig(this);
        }
    }
}
