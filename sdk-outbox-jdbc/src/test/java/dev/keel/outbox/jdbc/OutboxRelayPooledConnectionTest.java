package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.outbox.jdbc.testing.OneConnectionPool;
import dev.keel.outbox.jdbc.testing.ScriptedPublisher;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The relay sets a network timeout ({@link OutboxConfig#databaseTimeout()}) on every connection it takes from the data
 * source, and never set it back: a pool that resets nothing on return (DBCP2, Tomcat JDBC, c3p0) then handed the
 * application connections whose queries gave up after the relay's timeout. A connection the relay gives back must
 * have the network timeout it had.
 */
class OutboxRelayPooledConnectionTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aConnectionGivenBackToThePoolShouldHaveItsNetworkTimeoutBack(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).workers(1).listen(false)
                .databaseTimeout(Duration.ofSeconds(7)).build();
        try (OneConnectionPool pool = new OneConnectionPool(db.dataSource());
             OutboxRelay relay = OutboxRelay.create(pool, new ScriptedPublisher(), config)) {
            int before = pool.physical().getNetworkTimeout();

            relay.backlog();
            assertThat(pool.physical().getNetworkTimeout()).as("after backlog()").isEqualTo(before);

            relay.publishPending(); // the table's check, the lanes, the rounds (a one-off drain keeps no connection)
            assertThat(pool.physical().getNetworkTimeout()).as("after a drain").isEqualTo(before);
        } finally {
            db.drop(prefix);
        }
    }

    /**
     * A round runs with auto-commit off at READ COMMITTED; Tomcat JDBC resets neither on return and DBCP2 not the
     * isolation, so the application's next borrower got a connection whose writes were never committed on their own,
     * or a weaker isolation than its own. A connection the relay gives back has the mode and isolation it had.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aConnectionGivenBackToThePoolShouldHaveItsAutoCommitAndIsolationBack(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).workers(1).listen(false).build();
        try (OneConnectionPool pool = new OneConnectionPool(db.dataSource());
             OutboxRelay relay = OutboxRelay.create(pool, new ScriptedPublisher(), config)) {
            pool.physical().setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            pool.physical().setAutoCommit(true);

            relay.publishPending();

            assertThat(pool.physical().getAutoCommit()).as("auto-commit after a drain").isTrue();
            assertThat(pool.physical().getTransactionIsolation()).as("isolation after a drain")
                    .isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
        } finally {
            db.drop(prefix);
        }
    }
}
