package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.core.Keel;
import dev.keel.outbox.jdbc.testing.KafkaWire;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The relay when the database refuses it a privilege, on the real databases and a real Kafka. A relay that may read
 * and publish its rows but not delete them published every batch, failed to delete it, and published it again every
 * poll interval, for ever, at WARN (found by running the relay as a role without DELETE: 5 and more copies of each
 * message within seconds). It must be refused at start, before publishing anything, and a relay whose grant is taken
 * away while it runs must stop, not publish its batch again and again.
 */
@UsesBrokers(BrokerKind.KAFKA)
class OutboxRelayDatabaseRefusalTest {

    private static final String PASSWORD = "pw-" + UUID.randomUUID();

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRelayThatMayNotDeleteItsRowsShouldBeRefusedAtStartNamingTheGrantAndPublishNothing(TestDatabase db)
            throws Exception {
        try (Fixture f = new Fixture(db, "outbox-refused"); Keel keel = OutboxRelayTest.keel(f.topic);
             KafkaWire wire = new KafkaWire(Brokers.kafka().bootstrapServers(), f.topic)) {
            grantRelay(db, f, "SELECT, INSERT, UPDATE");
            publishRows(db.dataSource(), f.config, f.topic, 0, 5);

            try (OutboxRelay relay = OutboxRelay.create(userDataSource(db, f.user), keel.publisher(), f.config)) {
                Throwable refused = catchThrowable(relay::start);

                assertThat(refused).isInstanceOf(OutboxRefusedException.class)
                        .hasMessageContaining("DELETE on " + f.prefix + "outbox").hasMessageNotContaining(PASSWORD);
            }
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
                    .until(() -> OutboxRelayTest.distinctIds(wire) == 0);
            assertThat(OutboxRelayTest.countRows(db.dataSource(), f.prefix)).as("rows left for the next relay").isEqualTo(5);
        }
    }

    /**
     * A relay never started, driven by {@code publishPending()} alone, without DELETE from the start: it skipped the
     * check {@code start()} makes and published a batch before the refusal stopped it (fourth adversarial review: 3
     * messages out, to go out again). It must check first, name the grant and publish nothing.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRelayDrivenByHandThatMayNotDeleteShouldBeRefusedBeforePublishingAnything(TestDatabase db) throws Exception {
        try (Fixture f = new Fixture(db, "outbox-by-hand-refused"); Keel keel = OutboxRelayTest.keel(f.topic);
             KafkaWire wire = new KafkaWire(Brokers.kafka().bootstrapServers(), f.topic)) {
            grantRelay(db, f, "SELECT, INSERT, UPDATE");
            publishRows(db.dataSource(), f.config, f.topic, 0, 5);

            try (OutboxRelay relay = OutboxRelay.create(userDataSource(db, f.user), keel.publisher(), f.config)) {
                Throwable refused = catchThrowable(relay::publishPending);

                assertThat(refused).isInstanceOf(OutboxRefusedException.class)
                        .hasMessageContaining("grant the relay's user DELETE on " + f.prefix + "outbox ");
                assertThat(relay.failure()).isPresent();
            }
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
                    .until(() -> OutboxRelayTest.distinctIds(wire) == 0);
        }
    }

    /** The refusal at start names the grant the refused statement needs first, not only the list of all of them. */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRelayThatMayNotUpdateItsRowsShouldBeRefusedAtStartNamingThatGrant(TestDatabase db) throws Exception {
        try (Fixture f = new Fixture(db, "outbox-no-update"); Keel keel = OutboxRelayTest.keel(f.topic)) {
            grantRelay(db, f, "SELECT, INSERT, DELETE");
            try (OutboxRelay relay = OutboxRelay.create(userDataSource(db, f.user), keel.publisher(), f.config)) {
                Throwable refused = catchThrowable(relay::start);

                assertThat(refused).isInstanceOf(OutboxRefusedException.class)
                        .hasMessageContaining("grant the relay's user SELECT and UPDATE on " + f.prefix + "outbox ")
                        .hasMessageContaining("all it needs");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRelayWhoseDeleteGrantIsTakenAwayWhileItRunsShouldStopInsteadOfPublishingItsBatchAgainAndAgain(TestDatabase db)
            throws Exception {
        try (Fixture f = new Fixture(db, "outbox-revoked"); Keel keel = OutboxRelayTest.keel(f.topic);
             KafkaWire wire = new KafkaWire(Brokers.kafka().bootstrapServers(), f.topic)) {
            grantRelay(db, f, "SELECT, INSERT, UPDATE, DELETE");
            DataSource relayDataSource = userDataSource(db, f.user);
            try (OutboxRelay relay = OutboxRelay.create(relayDataSource, keel.publisher(), f.config)) {
                relay.start();
                publishRows(db.dataSource(), f.config, f.topic, 0, 10);
                await().atMost(Duration.ofSeconds(60)).until(() -> OutboxRelayTest.countRows(db.dataSource(), f.prefix) == 0);

                revoke(db, f.user, "DELETE", f.prefix + "outbox");
                publishRows(db.dataSource(), f.config, f.topic, 10, 10);

                await().atMost(Duration.ofSeconds(60)).until(() -> relay.failure().isPresent());
                assertThat((Throwable) relay.failure().orElseThrow()).as("the grant taken away, named as at start")
                        .hasMessageContaining("grant the relay's user DELETE on " + f.prefix + "outbox ");
                // many poll intervals: a relay going on would publish the batch it may not delete again and again
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> {
                    OutboxRelayTest.distinctIds(wire);
                    return wire.countsById().values().stream().allMatch(copies -> copies == 1);
                });
                // and a drain asked for by hand publishes nothing either: it published the refused batch again
                assertThat(catchThrowable(relay::publishPending)).isInstanceOf(OutboxRefusedException.class);
                OutboxRelayTest.distinctIds(wire);
                assertThat(wire.countsById().values()).as("copies per id").containsOnly(1);
            }

            grant(db, f.user, "DELETE", f.prefix + "outbox");
            try (OutboxRelay again = OutboxRelay.create(relayDataSource, keel.publisher(), f.config)) {
                again.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> OutboxRelayTest.countRows(db.dataSource(), f.prefix) == 0);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> OutboxRelayTest.distinctIds(wire) == 20);
            assertThat(wire.countsById().values()).as("copies per id: the refused round's batch went out again once, "
                    + "with the same ids, from the relay started again").allMatch(copies -> copies <= 2);
            // in key order by first copy: a consumer's idempotency store drops the second ones
            Map<String, List<String>> firstCopies = new HashMap<>();
            wire.idsByKey().forEach((key, ids) -> firstCopies.put(key, ids.stream().distinct().toList()));
            OutboxRelayTest.assertInKeyOrder(firstCopies);
        }
    }

    /**
     * A relay never started, driven by {@code publishPending()} only, whose DELETE is revoked: each call published the
     * refused batch again before it threw (third adversarial review: 1,735 copies of 600 rows after five calls), and
     * {@code failure()} stayed empty. The first refusal must stop it as it stops a started relay.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRelayDrivenByHandShouldStopAtItsFirstRefusal(TestDatabase db) throws Exception {
        try (Fixture f = new Fixture(db, "outbox-by-hand"); Keel keel = OutboxRelayTest.keel(f.topic);
             KafkaWire wire = new KafkaWire(Brokers.kafka().bootstrapServers(), f.topic)) {
            grantRelay(db, f, "SELECT, INSERT, UPDATE, DELETE");
            try (OutboxRelay relay = OutboxRelay.create(userDataSource(db, f.user), keel.publisher(), f.config)) {
                publishRows(db.dataSource(), f.config, f.topic, 0, 10);
                assertThat(relay.publishPending()).isEqualTo(10);
                revoke(db, f.user, "DELETE", f.prefix + "outbox");
                publishRows(db.dataSource(), f.config, f.topic, 10, 10);

                assertThat(catchThrowable(relay::publishPending)).isInstanceOf(OutboxRefusedException.class);
                assertThat((Throwable) relay.failure().orElseThrow()).hasMessageContaining("DELETE on " + f.prefix
                        + "outbox");
                assertThat(catchThrowable(relay::publishPending)).isInstanceOf(OutboxRefusedException.class);
                assertThat(catchThrowable(relay::publishPending)).isInstanceOf(OutboxRefusedException.class);
            }
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(30))
                    .until(() -> OutboxRelayTest.distinctIds(wire) == 20);
            assertThat(wire.countsById().values()).as("copies per id").containsOnly(1);
        }
    }

    /**
     * A {@code publishPending()} waiting for the started relay's round while that round is refused: it checked for a
     * refusal before it waited, not after, and ran a whole pass on the stopped relay, publishing again the batch the
     * refused round could not delete (fourth adversarial review: 240 publishes after {@code failure()} was set, 80
     * ids four times). It must throw the refusal and publish nothing.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aPublishPendingWaitingForARefusedRoundShouldThrowAndPublishNothing(TestDatabase db) throws Exception {
        try (Fixture f = new Fixture(db, "outbox-waiting"); Keel keel = OutboxRelayTest.keel(f.topic);
             KafkaWire wire = new KafkaWire(Brokers.kafka().bootstrapServers(), f.topic)) {
            grantRelay(db, f, "SELECT, INSERT, UPDATE, DELETE");
            publishRows(db.dataSource(), f.config, f.topic, 0, 10);
            GatedPublisher gated = new GatedPublisher(keel.publisher());
            OutboxConfig config = OutboxConfig.custom().tablePrefix(f.prefix).workers(1).listen(false)
                    .pollInterval(Duration.ofMinutes(10)).build();
            try (OutboxRelay relay = OutboxRelay.create(userDataSource(db, f.user), gated, config)) {
                relay.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> gated.waiting() > 0); // the round holds the drain
                CompletableFuture<Throwable> byHand = new CompletableFuture<>();
                Thread caller = new Thread(() -> byHand.complete(catchThrowable(relay::publishPending)));
                caller.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> caller.getState() == Thread.State.WAITING);
                revoke(db, f.user, "DELETE", f.prefix + "outbox");
                gated.open();

                assertThat(byHand.get(60, TimeUnit.SECONDS)).isInstanceOf(OutboxRefusedException.class);
                assertThat(relay.failure()).isPresent();
            }
            // what the refused round published (the lanes it had taken), once; nothing after it
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(30))
                    .until(() -> OutboxRelayTest.distinctIds(wire) > 0);
            assertThat(wire.countsById().values()).as("copies per id").containsOnly(1);
        }
    }

    /** Holds every publish until {@link #open()}, then passes each on to the real publisher. */
    private static final class GatedPublisher implements Publisher {
        private final Publisher delegate;
        private final CompletableFuture<Void> gate = new CompletableFuture<>();
        private final AtomicInteger waiting = new AtomicInteger();

        GatedPublisher(Publisher delegate) {
            this.delegate = delegate;
        }

        int waiting() {
            return waiting.get();
        }

        void open() {
            gate.complete(null);
        }

        @Override
        public CompletionStage<PublishReceipt> publishAsync(String topic, Message message) {
            waiting.incrementAndGet();
            return gate.thenCompose(open -> delegate.publishAsync(topic, message));
        }

        @Override
        public CompletionStage<Void> closeAsync() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }

    /** A test's outbox tables, a database user of its own with no grant yet, its topic and the relay's config. */
    private static final class Fixture implements AutoCloseable {
        final TestDatabase db;
        final String prefix = TestDatabase.newPrefix();
        final String user;
        final String topic;
        final OutboxConfig config;

        Fixture(TestDatabase db, String topicPrefix) throws SQLException {
            this.db = db;
            db.create(JdbcSchema.Part.OUTBOX, prefix);
            this.user = newUser(db);
            this.topic = UniqueNames.of(topicPrefix);
            this.config = OutboxConfig.custom().tablePrefix(prefix).pollInterval(Duration.ofMillis(100)).build();
        }

        @Override
        public void close() throws SQLException {
            try {
                dropUser(db, user);
            } finally {
                db.drop(prefix);
            }
        }
    }

    /**
     * A relay running four rounds at once over eight groups of lanes, whose DELETE is revoked: the groups that had not
     * started when the first refusal came did not stop, each published its batch and was refused too (twice the
     * batches of the rounds under way). At most the rounds under way may publish a batch that goes out again.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRefusalShouldKeepTheGroupsOfLanesNotStartedYetFromPublishing(TestDatabase db) throws Exception {
        int workers = 4;
        int batch = 20;
        try (Fixture f = new Fixture(db, "outbox-refused-pass"); Keel keel = OutboxRelayTest.keel(f.topic);
             KafkaWire wire = new KafkaWire(Brokers.kafka().bootstrapServers(), f.topic)) {
            grantRelay(db, f, "SELECT, INSERT, UPDATE");
            OutboxConfig config = OutboxConfig.custom().tablePrefix(f.prefix).workers(workers).lanesPerRound(2)
                    .batchSize(batch).pollInterval(Duration.ofMinutes(10)).listen(false).build();
            Outbox outbox = Outbox.create(config);
            try (Connection connection = db.dataSource().getConnection()) {
                connection.setAutoCommit(false);
                for (int i = 0; i < 640; i++) { // 64 keys: every one of the 16 lanes has rows
                    outbox.publish(connection, f.topic, Message.builder(new byte[] {1}).id("m-" + i).key("k" + (i % 64))
                            .build());
                }
                connection.commit();
            }
            try (OutboxRelay relay = OutboxRelay.create(userDataSource(db, f.user), keel.publisher(), config)) {
                Throwable refused = catchThrowable(relay::publishPending);

                assertThat(refused).isInstanceOf(OutboxRefusedException.class);
            }
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
                    .until(() -> OutboxRelayTest.distinctIds(wire) <= workers * batch);
            assertThat(OutboxRelayTest.countRows(db.dataSource(), f.prefix)).isEqualTo(640);
        }
    }

    private static void publishRows(DataSource dataSource, OutboxConfig config, String topic, int from, int count)
            throws SQLException {
        Outbox outbox = Outbox.create(config);
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            for (int i = from; i < from + count; i++) {
                outbox.publish(connection, topic, OutboxRelayTest.message(i));
            }
            connection.commit();
        }
    }

    private static String newUser(TestDatabase db) throws SQLException {
        String user = "keel_relay_" + UUID.randomUUID().toString().substring(0, 8);
        execute(db, db == TestDatabase.MARIADB ? "CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + PASSWORD + "'"
                : "CREATE ROLE " + user + " LOGIN PASSWORD '" + PASSWORD + "'");
        return user;
    }

    /** {@code outboxPrivileges} on the fixture's outbox table and SELECT, UPDATE on its lanes, to its user. */
    private static void grantRelay(TestDatabase db, Fixture f, String outboxPrivileges) throws SQLException {
        grant(db, f.user, outboxPrivileges, f.prefix + "outbox");
        grant(db, f.user, "SELECT, UPDATE", f.prefix + "outbox_lane");
    }

    private static void grant(TestDatabase db, String user, String privileges, String table) throws SQLException {
        execute(db, "GRANT " + privileges + " ON " + table + " TO " + grantee(db, user));
    }

    private static void revoke(TestDatabase db, String user, String privileges, String table) throws SQLException {
        execute(db, "REVOKE " + privileges + " ON " + table + " FROM " + grantee(db, user));
    }

    private static String grantee(TestDatabase db, String user) {
        return db == TestDatabase.MARIADB ? "'" + user + "'@'%'" : user;
    }

    private static void dropUser(TestDatabase db, String user) throws SQLException {
        if (db == TestDatabase.MARIADB) {
            execute(db, "DROP USER IF EXISTS '" + user + "'@'%'");
        } else {
            execute(db, "DROP OWNED BY " + user);
            execute(db, "DROP ROLE IF EXISTS " + user);
        }
    }

    private static DataSource userDataSource(TestDatabase db, String user) {
        return new TestDatabase.SimpleDataSource(db.url(), user, PASSWORD);
    }

    private static void execute(TestDatabase db, String sql) throws SQLException {
        try (Connection connection = db.dataSource().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
