package dev.keel.spring.boot.autoconfigure;

import dev.keel.dedup.jdbc.JdbcStoreConfig;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The JDBC inbox's settings under {@code keel.inbox.*}, used when {@code keel.idempotency.store=jdbc}
 * (module sdk-outbox-jdbc, with a {@code DataSource}).
 */
@ConfigurationProperties("keel.inbox")
public class KeelInboxProperties {

    /** Prefix of the inbox table, as in the shipped script you applied. */
    private String tablePrefix = JdbcStoreConfig.DEFAULT_TABLE_PREFIX;
    /** How often expired inbox rows are deleted (in batches); 0 turns the purge off. */
    private Duration purgeInterval = Duration.ofMinutes(5);

    public String getTablePrefix() { return tablePrefix; }

    public void setTablePrefix(String tablePrefix) { this.tablePrefix = tablePrefix; }

    public Duration getPurgeInterval() { return purgeInterval; }

    public void setPurgeInterval(Duration purgeInterval) { this.purgeInterval = purgeInterval; }
}
