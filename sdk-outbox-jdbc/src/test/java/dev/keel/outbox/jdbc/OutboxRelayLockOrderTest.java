package dev.keel.outbox.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.outbox.jdbc.internal.OutboxTable;
import dev.keel.outbox.jdbc.testing.ConnectionSource;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The locks of two rounds of one relay working side by side (two groups of lanes), on the real databases: a round's
 * statements after it published lock only rows of its own lanes, so rounds never wait for each other and never
 * deadlock, and nothing is published twice.
 *
 * <p>The interleaving of CI's flaky {@code OutboxRelayRefusalTest} run on MariaDB, forced with statement hooks and
 * latches: round A (lanes 0-7) deleted its confirmed rows and is about to park its refused row; another session holds
 * that refused row for a moment (as a third round's scan passing over it does, or an operator's look at it) while
 * round B (lanes 8-15) deletes its confirmed rows; then round A parks. Before, on MariaDB, round B's
 * {@code DELETE ... WHERE seq IN (...)} scanned the whole table: it waited for the refused row, kept its lock once
 * given it, then waited for round A's deleted rows, and round A's park waited for round B: a deadlock (1213) after
 * both had published, the victim's batch went out again.
 */
class OutboxRelayLockOrderTest {

    private static final int ROWS_PER_GROUP = 20;
    private static final Duration STEP = Duration.ofSeconds(30);

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void roundsOfOtherLanesShouldNotDeadlockAfterPublishingSoNoRowIsPublishedTwice(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.OUTBOX, prefix);
        // two groups of 8 lanes, one worker each: both rounds run at once
        OutboxConfig config = OutboxConfig.custom().tablePrefix(prefix).lanesPerRound(8).workers(2).build();
        DataSource plain = db.dataSource();
        HookedDataSource hooked = new HookedDataSource(plain);
        ConfirmingPublisher publisher = new ConfirmingPublisher("refused");
        try {
            Outbox outbox = Outbox.create(config);
            List<String> groupA = new ArrayList<>();
            List<String> groupB = new ArrayList<>();
            try (Connection connection = plain.getConnection()) {
                connection.setAutoCommit(false);
                // the refused row first: the lowest seq, in group A's lanes
                outbox.publish(connection, "orders", Message.builder(bytes("r")).id("refused").key(key(0, 0)).build());
                for (int i = 0; i < ROWS_PER_GROUP; i++) { // interleaved, so a scan meets A's rows among B's
                    outbox.publish(connection, "orders", Message.builder(bytes("a")).id("a-" + i).key(key(0, i + 1)).build());
                    groupA.add("a-" + i);
                    outbox.publish(connection, "orders", Message.builder(bytes("b")).id("b-" + i).key(key(8, i)).build());
                    groupB.add("b-" + i);
                }
                connection.commit();
            }
            Map<String, String> seqs = OutboxRelayRefusalTest.query(plain, "SELECT message_id, seq FROM " + prefix + "outbox");
            long refusedSeq = Long.parseLong(seqs.get("refused"));
            Set<Long> seqsA = seqsOf(seqs, groupA);
            Set<Long> seqsB = seqsOf(seqs, groupB);

            Choreography steps = new Choreography(db, plain, prefix, refusedSeq);
            hooked.beforeExecute = (connection, sql, longs) -> {
                if (sql.startsWith("UPDATE") && sql.contains("parked_at = ?") && longs.contains(refusedSeq)) {
                    steps.roundAParks(connection);
                } else if (sql.startsWith("DELETE") && !longs.isEmpty() && seqsB.containsAll(longs)) {
                    steps.roundBDeletes(connection);
                } else if (sql.startsWith("DELETE") && !longs.isEmpty() && !seqsA.containsAll(longs)) {
                    throw new AssertionError("a delete of rows of both groups: " + longs);
                }
            };
            hooked.afterExecute = (sql, longs) -> {
                if (sql.startsWith("DELETE") && !longs.isEmpty() && seqsB.containsAll(longs)) {
                    steps.roundBDeleted.set(true);
                }
            };

            try (OutboxRelay relay = OutboxRelay.create(hooked, publisher, config)) {
                AtomicLong published = new AtomicLong();
                assertThatCode(() -> published.set(relay.publishPending()))
                        .as("the drain whose rounds were interleaved (a deadlock here is error 1213 / 40P01)")
                        .doesNotThrowAnyException();
                assertThat(steps.failure.get()).as("the interleaving was forced as planned").isNull();
                assertThat(steps.ran.get()).as("the interleaving ran").isTrue();
                assertThat(published.get()).isEqualTo(2L * ROWS_PER_GROUP);
                assertThat(relay.publishPending()).as("a second drain: nothing left to publish").isZero();
            }
            List<String> all = new ArrayList<>(groupA);
            all.addAll(groupB);
            assertThat(all).as("publishes per row").allSatisfy(id ->
                    assertThat(publisher.attempts(id)).as("publishes of %s", id).isOne());
            assertThat(publisher.attempts("refused")).isOne();
            assertThat(OutboxRelayRefusalTest.query(plain, "SELECT message_id, park_cause FROM " + prefix + "outbox"))
                    .as("rows left: the parked one").containsOnlyKeys("refused");
        } finally {
            db.drop(prefix);
        }
    }

    /**
     * The forced order. Round A, at its park: tells it has deleted, then waits. Round B, at its delete: has another
     * session lock the refused row, and a helper thread then release that lock once round B waits for it (or has
     * deleted), and release round A once round B waits for round A (or has deleted).
     */
    private static final class Choreography {
        private final TestDatabase db;
        private final DataSource plain;
        private final String prefix;
        private final long refusedSeq;
        final CountDownLatch roundADeleted = new CountDownLatch(1);
        final CountDownLatch releaseRoundA = new CountDownLatch(1);
        final AtomicBoolean roundBDeleted = new AtomicBoolean();
        final AtomicBoolean ran = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final AtomicBoolean parkHooked = new AtomicBoolean();
        private final AtomicBoolean deleteHooked = new AtomicBoolean();
        private volatile long sessionA;

        Choreography(TestDatabase db, DataSource plain, String prefix, long refusedSeq) {
            this.db = db;
            this.plain = plain;
            this.prefix = prefix;
            this.refusedSeq = refusedSeq;
        }

        void roundAParks(Connection connection) throws SQLException {
            if (!parkHooked.compareAndSet(false, true)) {
                return;
            }
            sessionA = session(connection);
            roundADeleted.countDown();
            awaitLatch(releaseRoundA, "round B waiting for round A, or done");
        }

        void roundBDeletes(Connection connection) throws SQLException {
            if (!deleteHooked.compareAndSet(false, true)) {
                return;
            }
            long sessionB = session(connection);
            awaitLatch(roundADeleted, "round A at its park");
            Connection other = plain.getConnection();
            other.setAutoCommit(false);
            try (Statement statement = other.createStatement()) {
                statement.executeQuery("SELECT seq FROM " + prefix + "outbox WHERE seq = " + refusedSeq + " FOR UPDATE")
                        .close();
            }
            long sessionOther = session(other);
            ran.set(true);
            CompletableFuture.runAsync(() -> {
                try (other) {
                    await().atMost(STEP).until(() -> roundBDeleted.get() || waitsFor(sessionB, sessionOther));
                    other.commit();
                    await().atMost(STEP).until(() -> roundBDeleted.get() || waitsFor(sessionB, sessionA));
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    releaseRoundA.countDown();
                }
            });
        }

        private void awaitLatch(CountDownLatch latch, String what) {
            try {
                if (!latch.await(STEP.toSeconds(), TimeUnit.SECONDS)) {
                    failure.compareAndSet(null, new AssertionError("not reached in " + STEP + ": " + what));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure.compareAndSet(null, e);
            }
        }

        /** The database session of {@code connection}. */
        private long session(Connection connection) throws SQLException {
            try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(
                    db == TestDatabase.MARIADB ? "SELECT CONNECTION_ID()" : "SELECT pg_backend_pid()")) {
                rows.next();
                return rows.getLong(1);
            }
        }

        /** Whether session {@code waiting} waits for a lock session {@code holding} holds. */
        private boolean waitsFor(long waiting, long holding) throws SQLException {
            String sql = db == TestDatabase.MARIADB
                    ? "SELECT COUNT(*) FROM information_schema.innodb_lock_waits w"
                            + " JOIN information_schema.innodb_trx r ON r.trx_id = w.requesting_trx_id"
                            + " JOIN information_schema.innodb_trx h ON h.trx_id = w.blocking_trx_id"
                            + " WHERE r.trx_mysql_thread_id = " + waiting + " AND h.trx_mysql_thread_id = " + holding
                    : "SELECT COUNT(*) FROM (SELECT unnest(pg_blocking_pids(" + waiting + ")) AS pid) b WHERE b.pid = "
                            + holding;
            try (Connection connection = plain.getConnection(); Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery(sql)) {
                rows.next();
                return rows.getLong(1) > 0;
            }
        }
    }

    /** A key whose lane (of the script's 16) is in {@code fromLane} to {@code fromLane + 7}; the {@code n}th such. */
    private static String key(int fromLane, int n) {
        int found = 0;
        for (int i = 0; ; i++) {
            String key = "key-" + i;
            int lane = OutboxTable.keyHash(key, null) % 16;
            if (lane >= fromLane && lane < fromLane + 8 && found++ == n) {
                return key;
            }
        }
    }

    private static Set<Long> seqsOf(Map<String, String> seqs, List<String> ids) {
        Set<Long> result = new HashSet<>();
        for (String id : ids) {
            result.add(Long.parseLong(seqs.get(id)));
        }
        return result;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Confirms every publish at once, except one id's, which it refuses for good; counts the publishes of each id. */
    private static final class ConfirmingPublisher implements Publisher {
        private final String refused;
        private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        private final AtomicLong offset = new AtomicLong();

        ConfirmingPublisher(String refused) {
            this.refused = refused;
        }

        int attempts(String id) {
            AtomicInteger n = attempts.get(id);
            return n == null ? 0 : n.get();
        }

        @Override
        public CompletionStage<PublishReceipt> publishAsync(String topic, Message message) {
            attempts.computeIfAbsent(message.id(), k -> new AtomicInteger()).incrementAndGet();
            if (message.id().equals(refused)) {
                return CompletableFuture.failedFuture(new PublishException("injected: refused for good", null, false));
            }
            return CompletableFuture.completedFuture(new PublishReceipt(topic, message.id(), "0",
                    offset.getAndIncrement()));
        }

        @Override
        public CompletionStage<Void> closeAsync() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }

    @FunctionalInterface
    private interface BeforeExecute {
        void run(Connection connection, String sql, Set<Long> longs) throws SQLException;
    }

    @FunctionalInterface
    private interface AfterExecute {
        void run(String sql, Set<Long> longs);
    }

    /**
     * A data source over a real one whose prepared statements run {@link #beforeExecute} on the calling thread just
     * before they execute (with the statement's SQL and the longs bound to it, batches included), and
     * {@link #afterExecute} once they did.
     */
    private static final class HookedDataSource implements ConnectionSource {
        private final DataSource delegate;
        volatile BeforeExecute beforeExecute = (connection, sql, longs) -> { };
        volatile AfterExecute afterExecute = (sql, longs) -> { };

        HookedDataSource(DataSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return hooked(delegate.getConnection());
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return hooked(delegate.getConnection(username, password));
        }

        private Connection hooked(Connection connection) {
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        Object result = invoke(method, connection, args);
                        if (method.getName().equals("prepareStatement") && args != null
                                && args[0] instanceof String sql) {
                            return hooked(connection, sql.strip(), (PreparedStatement) result);
                        }
                        return result;
                    });
        }

        private PreparedStatement hooked(Connection connection, String sql, PreparedStatement statement) {
            Set<Long> longs = ConcurrentHashMap.newKeySet();
            return (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
                    new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                        String name = method.getName();
                        if (name.equals("setLong")) {
                            longs.add((Long) args[1]);
                        }
                        boolean executes = name.startsWith("execute") && (args == null || args.length == 0);
                        if (executes) {
                            beforeExecute.run(connection, sql, Set.copyOf(longs));
                        }
                        Object result = invoke(method, statement, args);
                        if (executes) {
                            afterExecute.run(sql, Set.copyOf(longs));
                        }
                        return result;
                    });
        }

        private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
