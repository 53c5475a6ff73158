package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Message;
import dev.keel.outbox.jdbc.internal.OutboxTable;
import dev.keel.outbox.jdbc.testing.ScriptedPublisher;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A database error after the publishes that trying again does not clear: a trigger that refuses the DELETE of
 * published rows (as a read-only database would). The round rolled back and threw; the group of lanes was not held
 * back as after a failed publish, so every wake (each commit's NOTIFY) ran it again and published its batch again,
 * without end, and nothing but a WARN told of it. The group must wait a poll interval, as after a failed publish, and
 * the error must be reported by the relay while it lasts.
 */
class PostgresRelayDatabaseFailureTest {

    private static final int WAKES = 5;

    @Test
    void aDeleteTheDatabaseKeepsRefusingShouldBeReportedAndItsBatchNotPublishedAgainAtEveryWake() throws Exception {
        TestDatabase db = TestDatabase.POSTGRESQL;
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        DataSource dataSource = db.dataSource();
        execute(dataSource, "CREATE FUNCTION " + prefix + "refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " BEGIN RAISE EXCEPTION 'deletes of topic stuck refused by a trigger'; END $$");
        execute(dataSource, "CREATE TRIGGER " + prefix + "refuse BEFORE DELETE ON " + prefix + "outbox FOR EACH ROW"
                + " WHEN (OLD.topic = 'stuck') EXECUTE FUNCTION " + prefix + "refuse_delete()");
        // a poll interval far past the test: only the commits' NOTIFYs wake the relay
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).pollInterval(Duration.ofMinutes(5)).build();
        ScriptedPublisher publisher = new ScriptedPublisher();
        String stuckKey = OutboxRelayRefusalTest.keyInFirstLaneGroup();
        try (OutboxRelay relay = OutboxRelay.create(dataSource, publisher, config)) {
            relay.start();
            commit(dataSource, config, "stuck", "stuck-0", stuckKey);
            await().atMost(Duration.ofSeconds(30)).until(() -> relay.databaseFailure().isPresent());
            assertThat(publisher.attempts("stuck-0")).isOne();

            // each commit wakes a drain, which publishes and deletes its row (in another group of lanes)
            for (int i = 0; i < WAKES; i++) {
                commit(dataSource, config, "fine", "fine-" + i, keyOutsideFirstLaneGroup(i));
                await().atMost(Duration.ofSeconds(30)).until(() -> OutboxRelayTest.countRows(dataSource, prefix) == 1);
            }

            assertThat(publisher.attempts("stuck-0")).as("publishes of the row whose delete the database refuses, "
                    + "after " + WAKES + " wakes within its poll interval").isOne();
            assertThat((Throwable) relay.databaseFailure().orElseThrow())
                    .hasMessageContaining("deletes of topic stuck refused by a trigger");
            assertThat(relay.failure()).as("not a refusal: the relay goes on").isEmpty();

            // the cause removed: the row goes out (a second copy, same id) and is deleted; the error clears
            execute(dataSource, "DROP TRIGGER " + prefix + "refuse ON " + prefix + "outbox");
            assertThat(relay.publishPending()).isOne();
            assertThat(OutboxRelayTest.countRows(dataSource, prefix)).isZero();
            assertThat(relay.databaseFailure()).isEmpty();
        } finally {
            db.drop(prefix);
            execute(dataSource, "DROP FUNCTION IF EXISTS " + prefix + "refuse_delete()");
        }
    }

    /** A key whose lane (of the script's 16) is outside the first group of 4. */
    private static String keyOutsideFirstLaneGroup(int n) {
        for (int i = 0, found = 0; ; i++) {
            String key = "fine-" + i;
            if (OutboxTable.keyHash(key, null) % 16 >= 4 && found++ == n) {
                return key;
            }
        }
    }

    private static void commit(DataSource dataSource, OutboxConfig config, String topic, String id, String key)
            throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            Outbox.create(config).publish(connection, topic, Message.builder(id.getBytes(StandardCharsets.UTF_8))
                    .id(id).key(key).build());
            connection.commit();
        }
    }

    private static void execute(DataSource dataSource, String sql) throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
