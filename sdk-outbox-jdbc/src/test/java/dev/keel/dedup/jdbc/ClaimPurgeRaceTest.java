package dev.keel.dedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.outbox.jdbc.testing.MutableClock;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link JdbcIdempotencyStore#purgeExpired()} run by another session between the statements of a claim
 * or a completion (a statement hook puts it there, every time): a claim still writes its row, so a second
 * claimer finds the id held, and a completion reports success only for a row it updated.
 */
class ClaimPurgeRaceTest {

    private static final String NAMESPACE = "g:t";
    private static final Duration LONG = Duration.ofHours(1);

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aClaimRacingAPurgeOfItsExpiredRowShouldStillWriteItsRow(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        MutableClock clock = new MutableClock();
        StatementHookDataSource hooked = new StatementHookDataSource(db.dataSource());
        JdbcStoreConfig config = JdbcStoreConfig.custom().tablePrefix(prefix).clock(clock).build();
        try (JdbcIdempotencyStore store = JdbcIdempotencyStore.create(hooked, config);
             JdbcIdempotencyStore purger = JdbcIdempotencyStore.create(db.dataSourceWithShortLockWaits(), config)) {
            assertThat(store.claim(NAMESPACE, "m-1", "crashed-consumer", Duration.ofSeconds(1)).isClaimed()).isTrue();
            clock.advance(Duration.ofSeconds(2)); // its lease ran out: the row is expired, purgeable

            AtomicReference<String> purge = new AtomicReference<>();
            hooked.beforeNext(sql -> sql.contains("FOR UPDATE"), () -> purge.set(purgeOutcome(purger)));
            ClaimResult first = store.claim(NAMESPACE, "m-1", "first", LONG);
            System.out.println(db + ": purge between the claim's statements: " + purge.get());

            assertThat(hooked.hookRan()).as("the purge ran inside the claim").isTrue();
            assertThat(first.isClaimed()).as("the first claim").isTrue();
            assertThat(tokenOf(db.dataSource(), prefix, "m-1")).as("owner token in the row").isEqualTo("first");
            assertThat(purger.claim(NAMESPACE, "m-1", "second", LONG).status()).as("a second claim of the id")
                    .isEqualTo(ClaimResult.Status.BUSY);
            assertThat(store.complete(NAMESPACE, "m-1", "first", LONG)).isEqualTo(LeaseOutcome.APPLIED);
            assertThat(purger.claim(NAMESPACE, "m-1", "third", LONG).status()).isEqualTo(ClaimResult.Status.DUPLICATE);
        } finally {
            db.drop(prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aCompletionWhoseExpiredRowIsPurgedFirstShouldReportItsLeaseLost(TestDatabase db) throws Exception {
        String prefix = TestDatabase.newPrefix();
        db.create(JdbcSchema.Part.INBOX, prefix);
        MutableClock clock = new MutableClock();
        StatementHookDataSource hooked = new StatementHookDataSource(db.dataSource());
        JdbcStoreConfig config = JdbcStoreConfig.custom().tablePrefix(prefix).clock(clock).build();
        try (JdbcIdempotencyStore store = JdbcIdempotencyStore.create(hooked, config);
             JdbcIdempotencyStore purger = JdbcIdempotencyStore.create(db.dataSourceWithShortLockWaits(), config)) {
            assertThat(store.claim(NAMESPACE, "m-1", "slow-consumer", Duration.ofSeconds(1)).isClaimed()).isTrue();
            clock.advance(Duration.ofSeconds(2));

            hooked.beforeNext(sql -> sql.contains("FOR UPDATE"), () -> purgeOutcome(purger));
            LeaseOutcome outcome = store.complete(NAMESPACE, "m-1", "slow-consumer", LONG);

            assertThat(hooked.hookRan()).isTrue();
            assertThat(outcome).as("a completion after its row was purged").isEqualTo(LeaseOutcome.LOST);
            assertThat(tokenOf(db.dataSource(), prefix, "m-1")).as("the row").isNull();
        } finally {
            db.drop(prefix);
        }
    }

    private static String purgeOutcome(JdbcIdempotencyStore purger) {
        try {
            return "deleted " + purger.purgeExpired() + " row(s)";
        } catch (StoreUnavailableException e) {
            return "waited for the claim's row lock until the lock timeout";
        }
    }

    private static String tokenOf(DataSource dataSource, String prefix, String id) throws Exception {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT token FROM " + prefix
                     + "inbox WHERE message_id = ?")) {
            select.setString(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }
}
