package dev.keel.spring.boot.autoconfigure;

import dev.keel.outbox.jdbc.OutboxConfig;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The transactional outbox's settings under {@code keel.outbox.*} (module sdk-outbox-jdbc, with a
 * {@code DataSource}): the {@code TransactionalOutbox} that writes into the table and the relay that
 * publishes its committed rows.
 */
@ConfigurationProperties("keel.outbox")
public class KeelOutboxProperties {

    /** Whether the outbox (TransactionalOutbox, Outbox and the relay) is configured when a DataSource exists. */
    private boolean enabled = true;
    /**
     * Whether this instance runs a relay that publishes the committed rows. Several instances may
     * each run one: they share the table's lanes.
     */
    private boolean relayEnabled = true;
    /** Prefix of the tables (outbox and outbox_lane), as in the shipped script you applied. */
    private String tablePrefix = OutboxConfig.DEFAULT_TABLE_PREFIX;
    /**
     * How long an idle relay waits before it looks for rows again: the longest commit-to-publish
     * delay on MariaDB/MySQL, a safety net on PostgreSQL with LISTEN/NOTIFY.
     */
    private Duration pollInterval = OutboxConfig.DEFAULT_POLL_INTERVAL;
    /** Rows a relay reads, publishes and deletes per round (one transaction). */
    private int batchSize = OutboxConfig.DEFAULT_BATCH_SIZE;
    /** Lanes a relay locks per round; fewer than the table's lanes lets several relays work at once. */
    private int lanesPerRound = OutboxConfig.DEFAULT_LANES_PER_ROUND;
    /** Rounds a relay runs at once, each over its own group of lanes and on a connection of its own. */
    private int workers = OutboxConfig.DEFAULT_WORKERS;
    /** How long a round waits for the broker's confirmations; unconfirmed rows go out again later. */
    private Duration confirmTimeout = OutboxConfig.DEFAULT_CONFIRM_TIMEOUT;
    /**
     * How long the relay waits for the database's reply to one of its statements before it gives the connection up
     * (a database host that died mid-reply then fails the round instead of hanging the relay).
     */
    private Duration databaseTimeout = OutboxConfig.DEFAULT_DATABASE_TIMEOUT;
    /**
     * On PostgreSQL, whether the relay LISTENs for commits and publishes at once (one pooled
     * connection held by the relay); false polls only.
     */
    private boolean listen = true;

    public boolean isEnabled() { return enabled; }

    public void setEnabled(boolean enabled) { this.enabled = enabled; }

    public boolean isRelayEnabled() { return relayEnabled; }

    public void setRelayEnabled(boolean relayEnabled) { this.relayEnabled = relayEnabled; }

    public String getTablePrefix() { return tablePrefix; }

    public void setTablePrefix(String tablePrefix) { this.tablePrefix = tablePrefix; }

    public Duration getPollInterval() { return pollInterval; }

    public void setPollInterval(Duration pollInterval) { this.pollInterval = pollInterval; }

    public int getBatchSize() { return batchSize; }

    public void setBatchSize(int batchSize) { this.batchSize = batchSize; }

    public int getLanesPerRound() { return lanesPerRound; }

    public void setLanesPerRound(int lanesPerRound) { this.lanesPerRound = lanesPerRound; }

    public int getWorkers() { return workers; }

    public void setWorkers(int workers) { this.workers = workers; }

    public Duration getConfirmTimeout() { return confirmTimeout; }

    public void setConfirmTimeout(Duration confirmTimeout) { this.confirmTimeout = confirmTimeout; }

    public Duration getDatabaseTimeout() { return databaseTimeout; }

    public void setDatabaseTimeout(Duration databaseTimeout) { this.databaseTimeout = databaseTimeout; }

    public boolean isListen() { return listen; }

    public void setListen(boolean listen) { this.listen = listen; }

    /** The config these properties describe; invalid values fail with the config's own message. */
    OutboxConfig toConfig() {
        return OutboxConfig.custom().tablePrefix(tablePrefix).pollInterval(pollInterval).batchSize(batchSize)
                .lanesPerRound(lanesPerRound).workers(workers).confirmTimeout(confirmTimeout)
                .databaseTimeout(databaseTimeout).listen(listen).build();
    }
}
