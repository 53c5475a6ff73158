package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.jdbc.JdbcIdempotencyStore;
import dev.keel.outbox.jdbc.Outbox;
import dev.keel.outbox.jdbc.OutboxConfig;
import dev.keel.outbox.jdbc.OutboxRelay;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.TransactionalOutbox;
import dev.keel.testkit.InMemoryBroker;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The JDBC inbox store and the outbox: the clear failure of {@code keel.idempotency.store=jdbc} without
 * exactly one {@code DataSource}, the inbox purge, and the application's own outbox beans winning. On the
 * real PostgreSQL (see {@link PostgresForTests}).
 */
class KeelJdbcBackOffTest {

    private PostgresForTests db;
    private ApplicationContextRunner runner;

    @BeforeEach
    void createTables() throws Exception {
        db = new PostgresForTests().create();
        runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KeelBrokerAutoConfiguration.class,
                        KeelStoreAutoConfiguration.class, KeelJdbcStoreAutoConfiguration.class,
                        KeelAutoConfiguration.class, KeelOutboxAutoConfiguration.class))
                .withPropertyValues("keel.outbox.table-prefix=" + db.prefix, "keel.inbox.table-prefix=" + db.prefix);
    }

    @AfterEach
    void dropTables() throws Exception {
        db.drop();
    }

    @Test
    void storeJdbcWithoutADataSourceShouldFailSayingWhatItNeeds() {
        runner.withBean(BrokerAdapter.class, RemoteBroker::new).withPropertyValues("keel.idempotency.store=jdbc")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("keel.idempotency.store=jdbc")
                            .hasMessageContaining("sdk-outbox-jdbc").hasMessageContaining("exactly one DataSource");
                });
    }

    @Test
    void storeJdbcWithTwoDataSourcesShouldFailSayingWhatItNeeds() {
        runner.withBean(BrokerAdapter.class, RemoteBroker::new).withPropertyValues("keel.idempotency.store=jdbc")
                .withBean("first", DataSource.class, () -> db.dataSource)
                .withBean("second", DataSource.class, () -> new PostgresForTests().dataSource)
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("keel.idempotency.store=jdbc")
                            .hasMessageContaining("exactly one DataSource");
                });
    }

    @Test
    void theInboxPurgeShouldExistWithTheJdbcStoreOnly() {
        runner.withBean(BrokerAdapter.class, RemoteBroker::new).withPropertyValues("keel.idempotency.store=jdbc")
                .withBean(DataSource.class, () -> db.dataSource).run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(JdbcIdempotencyStore.class)
                            .hasSingleBean(InboxPurge.class);
                    assertThat(context.getBean(InboxPurge.class).isRunning()).isTrue();
                });
        runner.withBean(BrokerAdapter.class, RemoteBroker::new).withPropertyValues("keel.idempotency.store=jdbc",
                "keel.inbox.purge-interval=0").withBean(DataSource.class, () -> db.dataSource)
                .run(context -> assertThat(context.getBean(InboxPurge.class).isRunning()).as("purge-interval=0: off")
                        .isFalse());
        runner.withBean(BrokerAdapter.class, RemoteBroker::new).withPropertyValues("keel.idempotency.store=in-memory")
                .withBean(DataSource.class, () -> db.dataSource)
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(JdbcIdempotencyStore.class)
                        .doesNotHaveBean(InboxPurge.class));
        runner.withBean(BrokerAdapter.class, RemoteBroker::new).withPropertyValues("keel.idempotency.store=jdbc")
                .withBean(DataSource.class, () -> db.dataSource)
                .withBean("myStore", IdempotencyStore.class, dev.keel.core.InMemoryIdempotencyStore::new)
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(JdbcIdempotencyStore.class)
                        .doesNotHaveBean(InboxPurge.class));
    }

    @Test
    void outboxBeansOfTheApplicationShouldWin() {
        runner.withBean(BrokerAdapter.class, InMemoryBroker::create).withBean(DataSource.class, () -> db.dataSource)
                .withUserConfiguration(OwnOutbox.class).run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(Outbox.class)
                            .hasSingleBean(TransactionalOutbox.class).hasSingleBean(OutboxRelay.class);
                    OwnOutbox own = context.getBean(OwnOutbox.class);
                    assertThat(context.getBean(Outbox.class)).isSameAs(own.outbox);
                    assertThat(context.getBean(TransactionalOutbox.class)).isSameAs(own.transactional);
                    assertThat(context.getBean(OutboxRelay.class)).isSameAs(own.relay);
                    assertThat(context).doesNotHaveBean("keelOutbox").doesNotHaveBean("keelTransactionalOutbox")
                            .doesNotHaveBean("keelOutboxRelay");
                    assertThat(context).as("the application's relay is still started and stopped with the context")
                            .hasSingleBean(OutboxRelayLifecycle.class);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnOutbox {
        Outbox outbox;
        TransactionalOutbox transactional;
        OutboxRelay relay;

        @Bean
        Outbox myOutbox(org.springframework.core.env.Environment environment) {
            outbox = Outbox.create(OutboxConfig.custom()
                    .tablePrefix(environment.getRequiredProperty("keel.outbox.table-prefix")).build());
            return outbox;
        }

        @Bean
        TransactionalOutbox myTransactionalOutbox(Outbox outbox, DataSource dataSource) {
            transactional = new TransactionalOutbox(outbox, dataSource);
            return transactional;
        }

        @Bean(destroyMethod = "close")
        OutboxRelay myRelay(DataSource dataSource, Keel keel, Outbox outbox) {
            relay = OutboxRelay.create(dataSource, keel.publisher(), outbox.config());
            return relay;
        }
    }
}
