package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Message;
import dev.keel.outbox.jdbc.testing.ScriptedPublisher;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A round whose client gave up on the database's reply ({@link OutboxConfig#databaseTimeout()}) drops its connection,
 * but the database may keep its transaction, and the lanes it locked, until it notices the client is gone (TCP
 * keepalive: hours). The next round's {@code SKIP LOCKED} then finds no lane and commits an empty round: that must not
 * clear {@link OutboxRelay#databaseFailure()}, and the relay's own sessions must end such a transaction on the
 * database's side.
 */
class PostgresRelayLostSessionTest {

    private static final TestDatabase DB = TestDatabase.POSTGRESQL;

    @Test
    void aRoundThatFindsItsLanesHeldShouldNotClearTheDatabaseFailure() throws Exception {
        String prefix = TestDatabase.newPrefix();
        DB.create(JdbcSchema.Part.OUTBOX, prefix);
        DataSource dataSource = DB.dataSource();
        try (OutboxRelay relay = OutboxRelay.create(dataSource, new ScriptedPublisher(), config(prefix))) {
            commit(dataSource, prefix, "r-0");
            execute(dataSource, "CREATE FUNCTION " + prefix + "refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
                    + " BEGIN RAISE EXCEPTION 'deletes refused by a trigger'; END $$");
            execute(dataSource, "CREATE TRIGGER " + prefix + "refuse BEFORE DELETE ON " + prefix + "outbox FOR EACH ROW"
                    + " EXECUTE FUNCTION " + prefix + "refuse()");
            assertThatThrownBy(relay::publishPending).isInstanceOf(SQLException.class);
            assertThat(relay.databaseFailure()).as("after the refused delete").isPresent();
            execute(dataSource, "DROP TRIGGER " + prefix + "refuse ON " + prefix + "outbox");
            try (Connection lostSession = dataSource.getConnection()) {
                lostSession.setAutoCommit(false);
                try (Statement statement = lostSession.createStatement()) {
                    statement.execute("SELECT lane FROM " + prefix + "outbox_lane FOR UPDATE"); // as a lost round's
                }

                assertThat(relay.publishPending()).as("published while the lanes are held").isZero();
                assertThat(relay.databaseFailure()).as("while the lanes are held").isPresent();
                lostSession.rollback();
            }
            assertThat(relay.publishPending()).isOne();
            assertThat(relay.databaseFailure()).as("once a round took its lanes and committed").isEmpty();
        } finally {
            DB.drop(prefix);
            execute(dataSource, "DROP FUNCTION IF EXISTS " + prefix + "refuse()");
        }
    }

    @Test
    void aStatementTheRelayGaveUpOnShouldEndOnTheDatabaseAndFreeItsLanes() throws Exception {
        String prefix = TestDatabase.newPrefix();
        DB.create(JdbcSchema.Part.OUTBOX, prefix);
        DataSource dataSource = DB.dataSource();
        ScriptedPublisher publisher = new ScriptedPublisher();
        try (OutboxRelay relay = OutboxRelay.create(dataSource, publisher, config(prefix))) {
            commit(dataSource, prefix, "r-0");
            try (Connection blocker = dataSource.getConnection()) {
                blocker.setAutoCommit(false);
                try (Statement statement = blocker.createStatement()) {
                    statement.execute("SELECT seq FROM " + prefix + "outbox FOR UPDATE"); // the round's delete waits
                }
                assertThatThrownBy(relay::publishPending).isInstanceOf(SQLException.class);

                // the relay gave up after 1 s; its session must not wait on for the row, its lanes locked
                await().atMost(Duration.ofSeconds(5)).until(() -> freeLanes(dataSource, prefix) == 16);
                assertThat(relay.databaseFailure()).isPresent();
                blocker.rollback();
            }
            assertThat(relay.publishPending()).isOne();
            assertThat(publisher.attempts("r-0")).as("the batch of the round that failed goes out again").isEqualTo(2);
            assertThat(relay.databaseFailure()).isEmpty();
        } finally {
            DB.drop(prefix);
        }
    }

    private static OutboxConfig config(String prefix) {
        return OutboxConfig.custom().tablePrefix(prefix).workers(1).lanesPerRound(16).listen(false)
                .confirmTimeout(Duration.ofSeconds(1)).databaseTimeout(Duration.ofSeconds(1)).build();
    }

    /** How many lanes another transaction can lock now. */
    private static int freeLanes(DataSource dataSource, String prefix) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(
                    "SELECT count(*) FROM (SELECT lane FROM " + prefix + "outbox_lane FOR UPDATE SKIP LOCKED) l")) {
                rows.next();
                return rows.getInt(1);
            } finally {
                connection.rollback();
            }
        }
    }

    private static void commit(DataSource dataSource, String prefix, String id) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            Outbox.create(OutboxConfig.custom().tablePrefix(prefix).build()).publish(connection, "lost",
                    Message.builder(id.getBytes(StandardCharsets.UTF_8)).id(id).key("k").build());
            connection.commit();
        }
    }

    private static void execute(DataSource dataSource, String sql) throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
