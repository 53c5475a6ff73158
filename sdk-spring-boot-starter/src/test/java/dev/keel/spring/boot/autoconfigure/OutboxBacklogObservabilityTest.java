package dev.keel.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.BrokerUnavailableException;
import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.outbox.jdbc.Outbox;
import dev.keel.outbox.jdbc.OutboxRefusedException;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.InMemoryBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The outbox relay is observable, on the real PostgreSQL: the {@code keelOutbox} health contributor and the
 * {@code keel.outbox.*} gauges show rows waiting (a topic failing retriably), rows parked (refused for good) and
 * the oldest pending row's age, and the backlog drains to zero once the broker takes the rows.
 */
@ExtendWith(OutputCaptureExtension.class)
class OutboxBacklogObservabilityTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private PostgresForTests db;
    private InMemoryBroker broker;
    private ApplicationContextRunner runner;

    @BeforeEach
    void createTables() throws Exception {
        db = new PostgresForTests().create();
        broker = InMemoryBroker.create();
        runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KeelBrokerAutoConfiguration.class,
                        KeelStoreAutoConfiguration.class, KeelAutoConfiguration.class, KeelOutboxAutoConfiguration.class))
                .withBean(BrokerAdapter.class, () -> broker)
                .withBean(DataSource.class, () -> db.dataSource)
                .withPropertyValues("keel.outbox.table-prefix=" + db.prefix, "keel.inbox.table-prefix=" + db.prefix,
                        "keel.outbox.poll-interval=200ms", "keel.topics.orders.partitions=1",
                        "keel.topics.invoices.partitions=1", "keel.idempotency.store=in-memory",
                        "keel.publisher.max-attempts=1", "keel.publisher.minimum-calls=1000",
                        "keel.publisher.open-duration=200ms");
    }

    @AfterEach
    void dropTables() throws Exception {
        db.drop();
    }

    @Test
    void theHealthAndTheGaugesShouldShowPendingAndParkedRowsUntilTheyDrain() {
        broker.faults().failPublishesTo("orders", new PublishException("orders refuses it for good", null, false))
                .failPublishesTo("invoices", new BrokerUnavailableException("invoices is down for now", null));
        runner.run(context -> {
            Outbox outbox = context.getBean(Outbox.class);
            try (Connection connection = db.dataSource.getConnection()) {
                connection.setAutoCommit(false);
                outbox.publish(connection, "orders", Message.ofText("refused"));
                outbox.publish(connection, "invoices", Message.ofText("waiting-1"));
                outbox.publish(connection, "invoices", Message.ofText("waiting-2"));
                connection.commit();
            }
            OutboxHealthIndicator health = context.getBean(OutboxHealthIndicator.class);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(OutboxBacklogMeters.class).bindTo(registry);

            await().atMost(PATIENCE).until(() -> Long.valueOf(1).equals(details(health).get("parked")));
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            assertThat(details(health)).containsEntry("pending", 2L).containsEntry("relay", "running");
            assertThat(registry.get("keel.outbox.pending").gauge().value()).isEqualTo(2.0);
            assertThat(registry.get("keel.outbox.parked").gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("keel.outbox.oldest.age").gauge().value()).isNotNaN().isGreaterThanOrEqualTo(0.0);

            broker.faults().clear();

            await().atMost(PATIENCE).until(() -> Long.valueOf(0).equals(details(health).get("pending")));
            assertThat(details(health)).containsEntry("parked", 1L).containsEntry("oldestPendingAge", "PT0S");
        });
    }

    @Test
    void aBrokerOutageShouldBeLoggedOnceByTheRelayWithItsCauseAndItsEndAtInfo(CapturedOutput output) {
        broker.faults().failPublishesTo("invoices", new BrokerUnavailableException("invoices is down for now", null));
        runner.run(context -> {
            Outbox outbox = context.getBean(Outbox.class);
            try (Connection connection = db.dataSource.getConnection()) {
                connection.setAutoCommit(false);
                outbox.publish(connection, "invoices", Message.ofText("waiting"));
                connection.commit();
            }
            OutboxHealthIndicator health = context.getBean(OutboxHealthIndicator.class);
            // rounds every poll interval (200 ms) fail meanwhile
            await().during(Duration.ofSeconds(3)).atMost(PATIENCE)
                    .until(() -> Long.valueOf(1).equals(details(health).get("pending")));

            broker.faults().clear();

            await().atMost(PATIENCE).until(() -> Long.valueOf(0).equals(details(health).get("pending")));
            await().atMost(PATIENCE).until(() -> output.toString().contains("outbox relay: publishing again"));
        });
        List<String> warnings = output.toString().lines()
                .filter(l -> l.contains("WARN") && l.contains("outbox relay")).toList();
        assertThat(warnings).as("one WARN at the start of the outage: %s", warnings).hasSize(1)
                .allSatisfy(l -> assertThat(l).contains("invoices is down for now"));
    }

    @Test
    void aServiceWithoutAnOutboxTableShouldStayHealthyAndSayTheRelayDoesNotRun() {
        runner.withPropertyValues("keel.outbox.table-prefix=" + db.prefix + "absent_").run(context -> {
            OutboxHealthIndicator health = context.getBean(OutboxHealthIndicator.class);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(OutboxBacklogMeters.class).bindTo(registry);

            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            assertThat(details(health)).containsEntry("relay", "not running: no outbox table")
                    .doesNotContainKey("pending");
            assertThat(registry.get("keel.outbox.pending").gauge().value()).isNaN();
        });
    }

    /**
     * A relay whose database user may not delete the rows it publishes is refused at start, naming the grant, and the
     * context does not start: before, it published each batch again every poll interval.
     */
    @Test
    void aRelayWhoseDatabaseUserMayNotDeleteItsRowsShouldFailTheStartNamingTheGrant() throws Exception {
        String role = newRole("SELECT, INSERT, UPDATE");
        try {
            runnerAs(role).run(context -> assertThat(context).hasFailed().getFailure().cause()
                    .hasMessageContaining("the Keel outbox relay cannot start")
                    .hasMessageContaining("DELETE on " + db.prefix + "outbox")
                    .hasCauseInstanceOf(OutboxRefusedException.class));
        } finally {
            dropRole(role);
        }
    }

    /**
     * A grant taken away while the relay runs stops it: the health contributor is DOWN, with the grant to add as
     * {@code error} (before, it stayed UP while the relay published its batch again every poll interval).
     */
    @Test
    void aRelayStoppedByARefusalShouldMakeTheHealthDownNamingTheGrant() throws Exception {
        String role = newRole("SELECT, INSERT, UPDATE, DELETE");
        try {
            runnerAs(role).run(context -> {
                OutboxHealthIndicator health = context.getBean(OutboxHealthIndicator.class);
                assertThat(health.health().getStatus()).isEqualTo(Status.UP);

                execute("REVOKE DELETE ON " + db.prefix + "outbox FROM " + role);
                try (Connection connection = db.dataSource.getConnection()) {
                    connection.setAutoCommit(false);
                    context.getBean(Outbox.class).publish(connection, "orders", Message.ofText("after"));
                    connection.commit();
                }

                await().atMost(PATIENCE).until(() -> health.health().getStatus().equals(Status.DOWN));
                assertThat(details(health)).containsEntry("relay", "stopped: refused by its database");
                assertThat(String.valueOf(details(health).get("error"))).contains("DELETE on " + db.prefix
                        + "outbox");
            });
        } finally {
            dropRole(role);
        }
    }

    /**
     * A database error that retrying does not clear (here a trigger refusing the DELETE of a published row) makes the
     * health contributor DOWN with the error, and UP again once a round commits: before, it stayed UP while the relay
     * backed off and published the row again every poll interval.
     */
    @Test
    void aDatabaseErrorThatDoesNotClearShouldMakeTheHealthDownUntilARoundCommits() throws Exception {
        execute("CREATE FUNCTION " + db.prefix + "refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " BEGIN RAISE EXCEPTION 'deletes refused by a trigger'; END $$");
        execute("CREATE TRIGGER " + db.prefix + "refuse BEFORE DELETE ON " + db.prefix + "outbox FOR EACH ROW"
                + " EXECUTE FUNCTION " + db.prefix + "refuse_delete()");
        try {
            runner.run(context -> {
                OutboxHealthIndicator health = context.getBean(OutboxHealthIndicator.class);
                try (Connection connection = db.dataSource.getConnection()) {
                    connection.setAutoCommit(false);
                    context.getBean(Outbox.class).publish(connection, "orders", Message.ofText("kept"));
                    connection.commit();
                }

                await().atMost(PATIENCE).until(() -> health.health().getStatus().equals(Status.DOWN));
                assertThat(String.valueOf(details(health).get("error"))).contains("deletes refused by a trigger");

                execute("DROP TRIGGER " + db.prefix + "refuse ON " + db.prefix + "outbox");
                await().atMost(PATIENCE).until(() -> health.health().getStatus().equals(Status.UP));
                await().atMost(PATIENCE).until(() -> Long.valueOf(0).equals(details(health).get("pending")));
            });
        } finally {
            execute("DROP TRIGGER IF EXISTS " + db.prefix + "refuse ON " + db.prefix + "outbox");
            execute("DROP FUNCTION IF EXISTS " + db.prefix + "refuse_delete()");
        }
    }

    /** A login role of the test's own with {@code outboxPrivileges} on the outbox and SELECT, UPDATE on its lanes. */
    private String newRole(String outboxPrivileges) throws Exception {
        String role = "keel_starter_" + UUID.randomUUID().toString().substring(0, 8);
        execute("CREATE ROLE " + role + " LOGIN");
        execute("GRANT " + outboxPrivileges + " ON " + db.prefix + "outbox TO " + role);
        execute("GRANT SELECT, UPDATE ON " + db.prefix + "outbox_lane TO " + role);
        return role;
    }

    private void dropRole(String role) throws Exception {
        execute("DROP OWNED BY " + role);
        execute("DROP ROLE " + role);
    }

    /** The outbox's configuration with the data source of {@code role}. */
    private ApplicationContextRunner runnerAs(String role) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KeelBrokerAutoConfiguration.class,
                        KeelStoreAutoConfiguration.class, KeelAutoConfiguration.class, KeelOutboxAutoConfiguration.class))
                .withBean(BrokerAdapter.class, () -> broker)
                .withBean(DataSource.class, () -> new DriverManagerDataSource(db.url, role, ""))
                .withPropertyValues("keel.outbox.table-prefix=" + db.prefix, "keel.idempotency.store=in-memory",
                        "keel.outbox.poll-interval=200ms", "keel.topics.orders.partitions=1");
    }

    private void execute(String sql) throws Exception {
        try (Connection connection = db.dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static Map<String, Object> details(OutboxHealthIndicator health) {
        Health h = health.health();
        return h.getDetails();
    }
}
