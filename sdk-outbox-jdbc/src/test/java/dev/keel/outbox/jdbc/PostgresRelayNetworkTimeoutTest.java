package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Message;
import dev.keel.faults.FaultProxy;
import dev.keel.outbox.jdbc.testing.ScriptedPublisher;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The relay's connections had no network timeout: a database whose reply never comes (a host that died mid-reply, a
 * network that lost the reply) hung the relay's round in its socket read until the relay was restarted, its lanes
 * locked. The relay must give the connection up after {@link OutboxConfig#databaseTimeout()} and go on publishing on
 * a new one once the database answers again. The database is reached through a fault proxy that drops its replies;
 * the relay's data source sets no socket timeout of its own.
 */
class PostgresRelayNetworkTimeoutTest {

    @Test
    void aRelayWhoseDatabaseReplyIsLostShouldGiveTheConnectionUpAndPublishOnceTheDatabaseAnswers() throws Exception {
        TestDatabase db = TestDatabase.POSTGRESQL;
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        DataSource direct = db.dataSource();
        String application = "keel-relay-" + UUID.randomUUID().toString().substring(0, 8);
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).workers(1).lanesPerRound(16).listen(false)
                .pollInterval(Duration.ofMillis(100)).confirmTimeout(Duration.ofSeconds(1))
                .databaseTimeout(Duration.ofSeconds(3)).build();
        ScriptedPublisher publisher = new ScriptedPublisher();
        try (FaultProxy proxy = FaultProxy.to(db.host(), db.port())) {
            String url = db.url().replaceFirst("//[^:/]+:\\d+/", "//" + proxy.host() + ":" + proxy.port() + "/");
            // no socketTimeout: only the relay's own network timeout can end a read whose reply never comes
            DataSource throughProxy = new TestDatabase.SimpleDataSource(url + (url.contains("?") ? "&" : "?")
                    + "connectTimeout=5&loginTimeout=5&ApplicationName=" + application, db.user(), db.password());
            try (OutboxRelay relay = OutboxRelay.create(throughProxy, publisher, config)) {
                relay.start();
                commit(direct, config, 0, 5);
                await().atMost(Duration.ofSeconds(30)).until(() -> OutboxRelayTest.countRows(direct, prefix) == 0);

                proxy.dropReplies(true);
                // a round's statement reached the database (its lanes locked), and its reply is lost
                await().atMost(Duration.ofSeconds(30)).until(() -> lockedLanesAwaitingReply(direct, application));
                commit(direct, config, 5, 10);
                proxy.heal();

                await().atMost(Duration.ofSeconds(60)).until(() -> OutboxRelayTest.countRows(direct, prefix) == 0);
                assertThat(publisher.confirmed()).as("every row published, each once")
                        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 10).mapToObj(i -> "m-" + i).toList());
                await().atMost(Duration.ofSeconds(30)).until(() -> relay.databaseFailure().isEmpty());
            }
        } finally {
            db.drop(prefix);
        }
    }

    /** Whether a session of the relay holds its lane locks in a transaction, idle: its statement's reply was lost. */
    private static boolean lockedLanesAwaitingReply(DataSource direct, String application) throws Exception {
        try (Connection connection = direct.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
                     + application + "' AND state = 'idle in transaction' AND query LIKE '%FOR UPDATE SKIP LOCKED%'")) {
            rows.next();
            return rows.getInt(1) > 0;
        }
    }

    private static void commit(DataSource dataSource, OutboxConfig config, int from, int to) throws Exception {
        Outbox outbox = Outbox.create(config);
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            for (int i = from; i < to; i++) {
                outbox.publish(connection, "timeouts", Message.builder(("p" + i).getBytes(StandardCharsets.UTF_8))
                        .id("m-" + i).key("k" + (i % 3)).build());
            }
            connection.commit();
        }
    }
}
