package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Message;
import dev.keel.core.Keel;
import dev.keel.outbox.jdbc.internal.Dialect;
import dev.keel.outbox.jdbc.testing.KafkaWire;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An outbox table created by the first script (no delivery time, priority or parking columns), on the
 * real databases and a real Kafka: the relay and the outbox refuse it with an error naming the upgrade
 * script, never publishing a message without its due time; once upgraded, old and new rows go out.
 */
@UsesBrokers(BrokerKind.KAFKA)
class OutboxUpgradeTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aTableOfTheFirstLayoutShouldBeRefusedNamingTheUpgradeAndWorkOnceUpgraded(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        DataSource dataSource = db.dataSource();
        String bootstrap = Brokers.kafka().bootstrapServers();
        String topic = UniqueNames.of("upgrade");
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).build();
        try (Keel keel = OutboxRelayTest.keel(topic); KafkaWire wire = new KafkaWire(bootstrap, topic)) {
            try (Connection connection = dataSource.getConnection()) {
                applyFirstLayout(connection, prefix);
                // a row an outbox of the earlier version wrote
                try (Statement insert = connection.createStatement()) {
                    insert.executeUpdate("INSERT INTO " + prefix + "outbox (topic, message_id, message_key, key_hash,"
                            + " headers, payload, message_ts, created_at) VALUES ('" + topic + "', 'old-row', NULL, 1, "
                            + emptyHeaders(db) + ", " + emptyHeaders(db) + ", NULL, 0)");
                }
            }
            Outbox outbox = Outbox.create(config);
            Message delayed = Message.builder("later".getBytes(StandardCharsets.UTF_8)).id("later")
                    .deliverAt(Instant.now().plus(Duration.ofHours(1))).build();
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                assertThatThrownBy(() -> outbox.publish(connection, topic, delayed)).isInstanceOf(SQLException.class)
                        .hasMessageContaining("OUTBOX_V2_UPGRADE").hasMessageContaining("keel_outbox_v2_upgrade.sql");
                connection.rollback();
            }
            try (OutboxRelay relay = OutboxRelay.create(dataSource, keel.publisher(), config)) {
                assertThatThrownBy(relay::start).isInstanceOf(SQLException.class)
                        .hasMessageContaining("keel_outbox_v2_upgrade.sql");
                assertThatThrownBy(relay::publishPending).isInstanceOf(SQLException.class)
                        .hasMessageContaining("keel_outbox_v2_upgrade.sql");
            }
            assertThat(OutboxRelayTest.countRows(dataSource, prefix)).as("the old row, still there").isOne();

            try (Connection connection = dataSource.getConnection()) {
                JdbcSchema.apply(connection, JdbcSchema.Part.OUTBOX_V2_UPGRADE, prefix);
                connection.setAutoCommit(false);
                outbox.publish(connection, topic, delayed);
                connection.commit();
            }
            try (OutboxRelay relay = OutboxRelay.create(dataSource, keel.publisher(), config)) {
                relay.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> OutboxRelayTest.countRows(dataSource, prefix) == 0);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> wire.poll().stream().anyMatch(c -> c.id().equals("old-row")));
            assertThat(wire.countsById()).as("on the topic now: the old row, not the delayed one").containsOnlyKeys("old-row");
        } finally {
            db.drop(prefix);
        }
    }

    /** Creates the tables as the first shipped script did (a copy of it is in the test resources). */
    private static void applyFirstLayout(Connection connection, String prefix) throws Exception {
        String resource = "dev/keel/outbox/jdbc/sql/v1/" + Dialect.of(connection).scriptFolder() + "/keel_outbox.sql";
        try (InputStream in = OutboxUpgradeTest.class.getClassLoader().getResourceAsStream(resource);
             Statement statement = connection.createStatement()) {
            String script = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("keel_", prefix);
            for (String sql : JdbcSchema.statements(script)) {
                statement.execute(sql);
            }
        }
    }

    /** The encoding of no headers (a count of 0), as a literal of the database's binary type. */
    private static String emptyHeaders(TestDatabase db) {
        return db == TestDatabase.POSTGRESQL ? "'\\x00000000'::bytea" : "X'00000000'";
    }
}
