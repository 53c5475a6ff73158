package dev.keel.dedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.MessageHandler;
import dev.keel.StoreUnavailableException;
import dev.keel.SubscriptionConfig;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.outbox.jdbc.testing.MutableClock;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The inbox beyond the store contract, on the real databases: purging, and the transactional handler. */
class JdbcInboxTest {

    private static final Duration LONG = Duration.ofHours(1);

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void purgeExpiredShouldDeleteOnlyExpiredRowsInBatches(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        MutableClock clock = new MutableClock();
        try (JdbcIdempotencyStore store = JdbcIdempotencyStore.create(db.dataSource(),
                JdbcStoreConfig.custom().tablePrefix(prefix).clock(clock).purgeBatchSize(2).build())) {
            for (int i = 0; i < 5; i++) {
                store.claim("g:t", "leased-" + i, "token", Duration.ofSeconds(1));
            }
            for (int i = 0; i < 2; i++) {
                store.claim("g:t", "done-" + i, "token", Duration.ofSeconds(1));
                assertThat(store.complete("g:t", "done-" + i, "token", LONG)).isEqualTo(LeaseOutcome.APPLIED);
            }
            clock.advance(Duration.ofSeconds(2));

            assertThat(store.purgeExpired()).isEqualTo(5);
            assertThat(rows(db.dataSource(), prefix)).isEqualTo(2);
            assertThat(store.claim("g:t", "done-0", "other", LONG).status()).isEqualTo(ClaimResult.Status.DUPLICATE);
            assertThat(store.claim("g:t", "leased-0", "other", LONG).status()).isEqualTo(ClaimResult.Status.CLAIMED);
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aThrowingTransactionalHandlerShouldRollBackItsEffectAndLeaveTheMessageNotDone(TestDatabase db)
            throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        createEffects(db.dataSource(), prefix);
        try (JdbcIdempotencyStore store = store(db, prefix)) {
            SubscriptionConfig<String> subscription = subscription();
            MessageHandler<String> handler = store.transactional(subscription, (delivery, connection) -> {
                effect(connection, prefix, delivery.id());
                throw new IllegalStateException("injected failure after the effect");
            });

            assertThatThrownBy(() -> handler.handle(delivery("m-1"))).isInstanceOf(IllegalStateException.class)
                    .hasMessage("injected failure after the effect");
            assertThat(effects(db.dataSource(), prefix)).isZero();
            assertThat(store.claim(namespace(subscription), "m-1", "next", LONG).status())
                    .isEqualTo(ClaimResult.Status.CLAIMED);
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aMessageAlreadyDoneShouldNotHaveItsEffectAppliedAgain(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        createEffects(db.dataSource(), prefix);
        try (JdbcIdempotencyStore store = store(db, prefix)) {
            MessageHandler<String> handler = store.transactional(subscription(),
                    (delivery, connection) -> effect(connection, prefix, delivery.id()));

            handler.handle(delivery("m-1"));
            handler.handle(delivery("m-1"));

            assertThat(effects(db.dataSource(), prefix)).isEqualTo(1);
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void theDoneMarkShouldKeepTheEnginesClaimSoItsCompletionIsApplied(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        createEffects(db.dataSource(), prefix);
        try (JdbcIdempotencyStore store = store(db, prefix)) {
            SubscriptionConfig<String> subscription = subscription();
            String token = UUID.randomUUID().toString();
            assertThat(store.claim(namespace(subscription), "m-1", token, LONG).isClaimed()).isTrue();

            store.transactional(subscription, (delivery, connection) -> effect(connection, prefix, delivery.id()))
                    .handle(delivery("m-1"));

            assertThat(store.complete(namespace(subscription), "m-1", token, LONG)).isEqualTo(LeaseOutcome.APPLIED);
            assertThat(store.claim(namespace(subscription), "m-1", "other", LONG).status())
                    .isEqualTo(ClaimResult.Status.DUPLICATE);
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void twoTransactionalHandlersOfOneMessageAtOnceShouldCommitOneEffect(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        createEffects(db.dataSource(), prefix);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (JdbcIdempotencyStore store = store(db, prefix)) {
            SubscriptionConfig<String> subscription = subscription();
            assertThat(store.claim(namespace(subscription), "m-1", "first-consumer", LONG).isClaimed()).isTrue();
            CountDownLatch effectApplied = new CountDownLatch(1);
            CountDownLatch otherCommitted = new CountDownLatch(1);
            MessageHandler<String> slow = store.transactional(subscription, (delivery, connection) -> {
                effect(connection, prefix, delivery.id());
                effectApplied.countDown();
                assertThat(otherCommitted.await(30, TimeUnit.SECONDS)).isTrue();
            });
            MessageHandler<String> fast = store.transactional(subscription,
                    (delivery, connection) -> effect(connection, prefix, delivery.id()));

            Future<?> first = pool.submit(() -> {
                slow.handle(delivery("m-1"));
                return null;
            });
            assertThat(effectApplied.await(30, TimeUnit.SECONDS)).isTrue();
            fast.handle(delivery("m-1")); // a second consumer (its lease lost to a stall) runs it meanwhile
            otherCommitted.countDown();
            first.get(30, TimeUnit.SECONDS);

            assertThat(effects(db.dataSource(), prefix)).as("effects committed").isEqualTo(1);
            assertThat(store.complete(namespace(subscription), "m-1", "first-consumer", LONG))
                    .as("the first claim's completion: its row was marked done").isEqualTo(LeaseOutcome.APPLIED);
        } finally {
            pool.shutdownNow();
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aMissingTableShouldBeReportedAsUnavailableWithTheScriptToApply(TestDatabase db) {
        try (JdbcIdempotencyStore store = store(db, TestDatabase.newPrefix())) {
            assertThatThrownBy(() -> store.claim("g:t", "m-1", "token", LONG))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("keel_inbox.sql");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void oversizedIdsShouldBeRejected(TestDatabase db) {
        try (JdbcIdempotencyStore store = store(db, TestDatabase.newPrefix())) {
            assertThatThrownBy(() -> store.claim("g:t", "i".repeat(513), "token", LONG))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id must be at most 512");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRetentionBeyondTheMaximumShouldBeRejectedNotStoredAsAnExpiredDoneMark(TestDatabase db) {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        try (JdbcIdempotencyStore store = store(db, prefix)) {
            assertThat(store.claim("g:t", "m-1", "token", LONG).isClaimed()).isTrue();

            assertThatThrownBy(() -> store.complete("g:t", "m-1", "token", Duration.ofMillis(Long.MAX_VALUE)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most PT876000H");
            assertThat(store.complete("g:t", "m-1", "token", IdempotencyPolicy.MAX_RETENTION))
                    .isEqualTo(LeaseOutcome.APPLIED);
            assertThat(store.claim("g:t", "m-1", "other", LONG).status()).as("the done mark, kept")
                    .isEqualTo(ClaimResult.Status.DUPLICATE);
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aTransactionalHandlerShouldFailAMessageWhoseIdTheInboxCannotHoldNotReportAnOutage(TestDatabase db)
            throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        createEffects(db.dataSource(), prefix);
        try (JdbcIdempotencyStore store = store(db, prefix)) {
            MessageHandler<String> handler = store.transactional(subscription(),
                    (delivery, connection) -> effect(connection, prefix, "long-id"));

            // an outage would pause the consumer for ever (the engine retries a StoreUnavailableException in place)
            assertThatThrownBy(() -> handler.handle(delivery("i".repeat(600))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id must be at most 512");
            assertThat(effects(db.dataSource(), prefix)).isZero();
        } finally {
            db.drop(prefix);
        }
    }

    private static JdbcIdempotencyStore store(TestDatabase db, String prefix) {
        return JdbcIdempotencyStore.create(db.dataSource(), JdbcStoreConfig.custom().tablePrefix(prefix).build());
    }

    private static SubscriptionConfig<String> subscription() {
        return SubscriptionConfig.builder("orders", "billing", Codec.utf8()).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                .build();
    }

    private static String namespace(SubscriptionConfig<String> subscription) {
        return subscription.group() + ":" + subscription.topic();
    }

    private static Delivery<String> delivery(String id) {
        Message message = Message.builder("payload", Codec.utf8()).id(id).build();
        return new Delivery<>(message, "payload", 1, "orders", "0", 0L, Map.of());
    }

    private static void createEffects(DataSource dataSource, String prefix) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE " + prefix + "effects (message_id VARCHAR(255) NOT NULL)");
        }
    }

    private static void effect(Connection connection, String prefix, String id) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + prefix
                + "effects (message_id) VALUES (?)")) {
            insert.setString(1, id);
            insert.executeUpdate();
        }
    }

    private static long effects(DataSource dataSource, String prefix) throws SQLException {
        return count(dataSource, prefix + "effects");
    }

    private static long rows(DataSource dataSource, String prefix) throws SQLException {
        return count(dataSource, prefix + "inbox");
    }

    private static long count(DataSource dataSource, String table) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
