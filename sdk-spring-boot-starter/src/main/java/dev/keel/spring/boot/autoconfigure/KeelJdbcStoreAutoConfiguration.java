package dev.keel.spring.boot.autoconfigure;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.jdbc.JdbcIdempotencyStore;
import dev.keel.dedup.jdbc.JdbcStoreConfig;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The JDBC inbox as Keel's idempotency store, on the application's {@code DataSource}, when
 * {@code keel.idempotency.store=jdbc} (module sdk-outbox-jdbc). {@code @KeelListener} methods that take a
 * {@code java.sql.Connection} or are {@code @Transactional} then commit their effect and the message's
 * done mark in one transaction. The schema is never created here: apply the script shipped in
 * sdk-outbox-jdbc with your migrations.
 */
@AutoConfiguration(before = KeelAutoConfiguration.class,
        afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnClass({JdbcIdempotencyStore.class, org.springframework.jdbc.datasource.DataSourceUtils.class})
@ConditionalOnKeelStore(KeelProperties.StoreType.JDBC)
@EnableConfigurationProperties(KeelInboxProperties.class)
public class KeelJdbcStoreAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(IdempotencyStore.class)
    @ConditionalOnSingleCandidate(DataSource.class)
    JdbcIdempotencyStore keelJdbcIdempotencyStore(DataSource dataSource, KeelInboxProperties properties) {
        return JdbcIdempotencyStore.create(dataSource,
                JdbcStoreConfig.custom().tablePrefix(properties.getTablePrefix()).build());
    }

    @Bean
    @ConditionalOnBean(JdbcIdempotencyStore.class)
    InboxPurge keelInboxPurge(JdbcIdempotencyStore store, KeelInboxProperties properties) {
        return new InboxPurge(store, properties.getPurgeInterval());
    }
}
