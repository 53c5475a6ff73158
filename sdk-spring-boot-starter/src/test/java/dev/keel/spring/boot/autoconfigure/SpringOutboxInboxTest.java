package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Delivery;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.Publisher;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.outbox.jdbc.Outbox;
import dev.keel.outbox.jdbc.OutboxRelay;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.KeelListener;
import dev.keel.spring.TransactionalOutbox;
import dev.keel.testkit.InMemoryBroker;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

/**
 * The outbox and the JDBC inbox wired by the starter, on the real PostgreSQL and the in-memory broker:
 * an {@code @Transactional} service that writes an order and publishes through the outbox publishes
 * only what commits, once; an inbox listener's effect and done mark commit together or not at all.
 */
class SpringOutboxInboxTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private PostgresForTests db;
    private ApplicationContextRunner runner;

    @BeforeEach
    void createTables() throws Exception {
        db = new PostgresForTests().create();
        runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KeelBrokerAutoConfiguration.class,
                        KeelStoreAutoConfiguration.class, KeelJdbcStoreAutoConfiguration.class,
                        KeelMetricsAutoConfiguration.class, KeelAutoConfiguration.class,
                        KeelOutboxAutoConfiguration.class))
                .withBean(BrokerAdapter.class, InMemoryBroker::create)
                .withBean(DataSource.class, () -> db.dataSource)
                .withUserConfiguration(Transactions.class)
                .withPropertyValues("keel.outbox.table-prefix=" + db.prefix, "keel.inbox.table-prefix=" + db.prefix,
                        "keel.outbox.poll-interval=200ms", "keel.topics.orders.partitions=2", "keel.topics.invoices.partitions=1",
                        "keel.publisher.sequential-per-key=true", "test.prefix=" + db.prefix,
                        "keel.listener.defaults.retry.initial-backoff=10ms");
    }

    @AfterEach
    void dropTables() throws Exception {
        db.drop();
    }

    @Test
    void aRolledBackTransactionShouldPublishNothingAndACommittedOneOnceConfirmed() {
        runner.withUserConfiguration(OrderService.class, Audit.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(OutboxRelay.class).hasSingleBean(TransactionalOutbox.class);
            OrderService orders = context.getBean(OrderService.class);
            assertThatThrownBy(() -> orders.place("o-1", true)).hasMessageContaining("after the publish");
            orders.place("o-2", false);
            Audit audit = context.getBean(Audit.class);
            // the relay deletes a row only after the broker confirmed it
            await().atMost(PATIENCE).until(() -> audit.ids.contains("order-o-2") && db.count("SELECT count(*) FROM {p}outbox") == 0);
            orders.place("o-3", false);   // same key, after o-1's rollback and o-2: arrives last
            await().atMost(PATIENCE).until(() -> audit.ids.contains("order-o-3"));
            assertThat(audit.ids).containsExactly("order-o-2", "order-o-3");
            assertThat(db.count("SELECT count(*) FROM {p}orders")).isEqualTo(2);
            assertThat(db.count("SELECT count(*) FROM {p}outbox")).isZero();
        });
    }

    @Test
    void publishingOutsideATransactionShouldFailAndSayToUseTransactional() {
        runner.run(context -> {
            TransactionalOutbox outbox = context.getBean(TransactionalOutbox.class);
            assertThatThrownBy(() -> outbox.publish("orders", message("order-x")))
                    .isInstanceOf(IllegalTransactionStateException.class)
                    .hasMessageContaining("@Transactional").hasMessageContaining("Outbox.publish(connection");
            assertThat(db.count("SELECT count(*) FROM {p}outbox")).isZero();
        });
    }

    @Test
    void theOutboxShouldBackOffWithoutADataSourceOrWhenDisabled() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(KeelOutboxAutoConfiguration.class))
                .run(context -> assertThat(context).doesNotHaveBean(Outbox.class));
        runner.withPropertyValues("keel.outbox.relay-enabled=false").run(context ->
                assertThat(context).hasSingleBean(TransactionalOutbox.class).doesNotHaveBean(OutboxRelay.class));
        runner.withPropertyValues("keel.outbox.enabled=false").run(context ->
                assertThat(context).doesNotHaveBean(Outbox.class).doesNotHaveBean(OutboxRelay.class));
    }

    @Test
    void anOutOfRangeOutboxSettingShouldFailTheStartupNamingItsProperties() {
        runner.withPropertyValues("keel.outbox.batch-size=0").run(context -> assertThat(context).getFailure()
                .hasStackTraceContaining("keel.outbox.*: batchSize"));
    }

    @Test
    void aServiceWithADataSourceButNoOutboxTableShouldStartWithoutARelay() {
        runner.withPropertyValues("keel.outbox.table-prefix=" + db.prefix + "absent_").run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(OutboxRelayLifecycle.class);
            assertThat(context.getBean(OutboxRelayLifecycle.class).isRunning()).isFalse();
        });
    }

    @Test
    void publishingWithoutTheOutboxTableShouldNameTheTableAndTheScriptAndMakeTheOutboxHealthDown() {
        String absent = db.prefix + "absent_";
        runner.withPropertyValues("keel.outbox.table-prefix=" + absent).withUserConfiguration(OrderService.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThatThrownBy(() -> context.getBean(OrderService.class).place("o-1", false))
                            .isInstanceOf(org.springframework.dao.DataAccessException.class)
                            .hasMessageContaining("table " + absent + "outbox does not exist")
                            .hasMessageContaining("keel_outbox.sql")
                            .hasMessageContaining("keel.outbox.table-prefix")
                            .hasRootCauseInstanceOf(org.postgresql.util.PSQLException.class);
                    assertThat(db.count("SELECT count(*) FROM {p}orders")).as("the order rolled back").isZero();
                    org.springframework.boot.health.contributor.Health health =
                            context.getBean(OutboxHealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(org.springframework.boot.health.contributor.Status.DOWN);
                    assertThat(health.getDetails()).containsEntry("relay", "not running: no outbox table")
                            .hasEntrySatisfying("error", e -> assertThat(e.toString()).contains(absent + "outbox"));
                });
    }

    @Test
    void theOutboxShouldReportToTheContextsMetricsRecorder() {
        MetricsRecorder recorder = new MetricsRecorder() {
            @Override
            public void count(MetricEvent event, String topic, String group) {
            }

            @Override
            public void handlerLatency(String topic, String group, Duration latency, boolean success) {
            }

            @Override
            public void inFlight(String topic, String group, IntSupplier inFlight) {
            }
        };
        runner.withBean(MetricsRecorder.class, () -> recorder).run(context ->
                assertThat(context.getBean(Outbox.class).config().metrics()).isSameAs(recorder));
    }

    @Test
    void aFailureAfterTheEffectShouldRollBackTheEffectAndTheDoneMark() {
        runner.withPropertyValues("keel.idempotency.store=jdbc").withUserConfiguration(TransactionalBilling.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    publish(context.getBean(Publisher.class), "order-9");
                    TransactionalBilling billing = context.getBean(TransactionalBilling.class);
                    await().atMost(PATIENCE).until(() -> done("billing:orders", "order-9"));
                    // attempt 1 wrote its invoice and threw: had its invoice or its done mark committed, there would
                    // be two invoices, or no second attempt
                    assertThat(billing.attempts()).isEqualTo(2);
                    assertThat(db.count("SELECT count(*) FROM {p}invoices WHERE order_id = 'order-9'")).isEqualTo(1);
                });
    }

    @Test
    void aListenerTakingTheConnectionShouldCommitItsEffectItsOutboxMessageAndTheDoneMarkTogether() {
        runner.withPropertyValues("keel.idempotency.store=jdbc")
                .withUserConfiguration(ConnectionBilling.class, InvoiceAudit.class).run(context -> {
                    assertThat(context).hasNotFailed();
                    publish(context.getBean(Publisher.class), "order-5");
                    publish(context.getBean(Publisher.class), "order-5");   // a duplicate: no second effect
                    publish(context.getBean(Publisher.class), "order-6");
                    InvoiceAudit invoices = context.getBean(InvoiceAudit.class);
                    await().atMost(PATIENCE).until(() -> invoices.ids.containsAll(List.of("invoice-order-5",
                            "invoice-order-6")) && done("billing:orders", "order-6"));
                    assertThat(db.count("SELECT count(*) FROM {p}invoices")).isEqualTo(2);
                    assertThat(context.getBean(ConnectionBilling.class).attempts.get("order-5").get()).isEqualTo(2);
                    assertThat(invoices.ids).containsExactlyInAnyOrder("invoice-order-5", "invoice-order-6");
                });
    }

    @Test
    void whileTheDoneMarkIsHeldBackTheEffectShouldNotBeVisible() throws Exception {
        int lock = ThreadLocalRandom.current().nextInt(1_000_000, 2_000_000_000);
        holdDoneMarksBehind(lock);
        try (Connection holder = db.dataSource.getConnection(); Statement s = holder.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + lock + ")");
            runner.withPropertyValues("keel.idempotency.store=jdbc").withUserConfiguration(TransactionalBilling.class)
                    .run(context -> {
                        publish(context.getBean(Publisher.class), "order-7");
                        await().atMost(PATIENCE).until(() -> db.count("SELECT count(*) FROM pg_locks WHERE locktype"
                                + " = 'advisory' AND objid = " + lock + " AND NOT granted") > 0);
                        // the done mark waits: a crash now must leave no effect behind
                        assertThat(db.count("SELECT count(*) FROM {p}invoices")).isZero();
                        s.execute("SELECT pg_advisory_unlock(" + lock + ")");
                        await().atMost(PATIENCE).until(() -> done("billing:orders", "order-7"));
                        assertThat(db.count("SELECT count(*) FROM {p}invoices")).isEqualTo(1);
                    });
        }
    }

    @Test
    void aConnectionParameterWithoutTheJdbcInboxShouldFailTheStartupSayingWhatToSet() {
        runner.withUserConfiguration(ConnectionBilling.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("keel.idempotency.store=jdbc");
        });
    }

    /** Makes marking an inbox row done wait for the advisory lock {@code lock}. */
    private void holdDoneMarksBehind(int lock) throws Exception {
        try (Connection c = db.dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE FUNCTION " + db.prefix + "hold_done() RETURNS trigger AS $$ BEGIN"
                    + " IF NEW.state = 'D' THEN PERFORM pg_advisory_xact_lock(" + lock + "); END IF;"
                    + " RETURN NEW; END $$ LANGUAGE plpgsql");
            s.execute("CREATE TRIGGER " + db.prefix + "hold_done BEFORE INSERT OR UPDATE ON " + db.prefix
                    + "inbox FOR EACH ROW EXECUTE FUNCTION " + db.prefix + "hold_done()");
        }
    }

    private boolean done(String namespace, String id) throws Exception {
        return db.count("SELECT count(*) FROM {p}inbox WHERE state = 'D' AND namespace = '" + namespace
                + "' AND message_id = '" + id + "'") == 1;
    }

    private static Message message(String id) {
        return Message.builder(id.getBytes(StandardCharsets.UTF_8)).id(id).key("customer-1").build();
    }

    private static void publish(Publisher publisher, String id) {
        publisher.publish("orders", message(id));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    static class Transactions {
        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        JdbcTemplate jdbcTemplate(DataSource dataSource) {
            return new JdbcTemplate(dataSource);
        }
    }

    /** Writes an order and its event in one transaction. */
    static class OrderService {
        private final JdbcTemplate jdbc;
        private final TransactionalOutbox outbox;
        private final String prefix;

        OrderService(JdbcTemplate jdbc, TransactionalOutbox outbox,
                     @org.springframework.beans.factory.annotation.Value("${test.prefix}") String prefix) {
            this.jdbc = jdbc;
            this.outbox = outbox;
            this.prefix = prefix;
        }

        @Transactional
        public void place(String orderId, boolean failAfterPublish) {
            jdbc.update("INSERT INTO " + prefix + "orders (id) VALUES (?)", orderId);
            outbox.publish("orders", message("order-" + orderId));
            if (failAfterPublish) {
                throw new IllegalStateException("order " + orderId + " failed after the publish");
            }
        }
    }

    /** Sees every copy on the wire. */
    static class Audit {
        final List<String> ids = new CopyOnWriteArrayList<>();

        @KeelListener(topic = "orders", group = "audit", guarantee = DeliveryGuarantee.AT_LEAST_ONCE)
        public void audit(Delivery<String> delivery) {
            ids.add(delivery.id());
        }
    }

    /** The Spring form: @Transactional, JdbcTemplate; attempt 1 fails after its effect. */
    static class TransactionalBilling {
        final AtomicInteger attempts = new AtomicInteger();
        private final JdbcTemplate jdbc;
        private final String prefix;

        TransactionalBilling(JdbcTemplate jdbc, @org.springframework.beans.factory.annotation.Value("${test.prefix}") String prefix) {
            this.jdbc = jdbc;
            this.prefix = prefix;
        }

        /** Through the proxy: a CGLIB proxy's own fields are not the bean's. */
        public int attempts() {
            return attempts.get();
        }

        @KeelListener(topic = "orders", group = "billing")
        @Transactional
        public void bill(Delivery<String> delivery) {
            jdbc.update("INSERT INTO " + prefix + "invoices (order_id) VALUES (?)", delivery.id());
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("failed after the effect");
            }
        }
    }

    /** The plain form: the inbox's Connection as a parameter; it also publishes through the outbox. */
    static class ConnectionBilling {
        final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        private final TransactionalOutbox outbox;
        private final String prefix;

        ConnectionBilling(TransactionalOutbox outbox, @org.springframework.beans.factory.annotation.Value("${test.prefix}") String prefix) {
            this.outbox = outbox;
            this.prefix = prefix;
        }

        @KeelListener(topic = "orders", group = "billing")
        public void bill(String orderId, Connection connection) throws Exception {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + prefix
                    + "invoices (order_id) VALUES (?)")) {
                insert.setString(1, orderId);
                insert.executeUpdate();
            }
            outbox.publish("invoices", message("invoice-" + orderId));   // joins the inbox's transaction
            if (attempts.computeIfAbsent(orderId, k -> new AtomicInteger()).incrementAndGet() == 1
                    && orderId.equals("order-5")) {
                throw new IllegalStateException("failed after the effect and the outbox insert");
            }
        }
    }

    static class InvoiceAudit {
        final List<String> ids = new CopyOnWriteArrayList<>();

        @KeelListener(topic = "invoices", group = "audit", guarantee = DeliveryGuarantee.AT_LEAST_ONCE)
        public void audit(Delivery<String> delivery) {
            ids.add(delivery.id());
        }
    }
}
