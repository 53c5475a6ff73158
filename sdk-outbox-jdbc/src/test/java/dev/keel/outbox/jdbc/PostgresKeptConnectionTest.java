package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.core.Keel;
import dev.keel.outbox.jdbc.testing.ConnectionSource;
import dev.keel.outbox.jdbc.testing.KafkaWire;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The relay keeps its rounds' connections open between drains. The database may end such an idle session (an
 * administrator, {@code idle_session_timeout}, a restart): the next commit must still go out at once, on a new
 * connection, not after the next poll (10 minutes here), and once.
 */
@UsesBrokers(BrokerKind.KAFKA)
class PostgresKeptConnectionTest {

    @Test
    void aKeptConnectionEndedByTheDatabaseShouldNotDelayTheNextCommit() throws Exception {
        TestDatabase db = TestDatabase.POSTGRESQL;
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        String topic = UniqueNames.of("kept");
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).pollInterval(Duration.ofMinutes(10)).build();
        PidRecordingDataSource dataSource = new PidRecordingDataSource(db.dataSource());
        try (Keel keel = OutboxRelayTest.keel(topic);
             KafkaWire wire = new KafkaWire(Brokers.kafka().bootstrapServers(), topic);
             OutboxRelay relay = OutboxRelay.create(dataSource, keel.publisher(), config)) {
            relay.start();
            Outbox outbox = Outbox.create(config);
            commit(dataSource, outbox, topic, 0, 8);
            await().atMost(Duration.ofSeconds(60)).until(() -> wire.poll().size() >= 8);
            await().atMost(Duration.ofSeconds(30)).until(() -> OutboxRelayTest.countRows(dataSource, prefix) == 0);

            // every connection the relay's rounds keep is ended by the database; the listener's stays
            int ended = endRoundConnections(db, dataSource.pids());
            assertThat(ended).as("kept round connections ended").isPositive();
            commit(dataSource, outbox, topic, 8, 16);

            await().atMost(Duration.ofSeconds(60)).until(() -> wire.poll().size() >= 16);
            assertThat(wire.countsById()).hasSize(16).allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(1));
        } finally {
            db.drop(prefix);
        }
    }

    private static void commit(DataSource dataSource, Outbox outbox, String topic, int from, int to)
            throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            for (int i = from; i < to; i++) {
                outbox.publish(connection, topic, OutboxRelayTest.message(i));
            }
            connection.commit();
        }
    }

    /** Ends the idle sessions among {@code pids} whose last statement was not the listener's LISTEN. */
    private static int endRoundConnections(TestDatabase db, Set<Integer> pids) throws SQLException {
        List<Integer> ended = new ArrayList<>();
        try (Connection admin = db.dataSource().getConnection(); Statement statement = admin.createStatement()) {
            for (int pid : pids) {
                try (ResultSet rows = statement.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE pid = " + pid + " AND state = 'idle' AND query NOT LIKE 'LISTEN%'")) {
                    if (rows.next() && rows.getBoolean(1)) {
                        ended.add(pid);
                    }
                }
            }
        }
        return ended.size();
    }

    /** Records the server process id of every connection it hands out. */
    private record PidRecordingDataSource(DataSource delegate, Set<Integer> pids) implements ConnectionSource {

        PidRecordingDataSource(DataSource delegate) {
            this(delegate, ConcurrentHashMap.newKeySet());
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection connection = delegate.getConnection();
            try (Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT pg_backend_pid()")) {
                rows.next();
                pids.add(rows.getInt(1));
            }
            return connection;
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            throw new SQLException("not used");
        }
    }
}
