package dev.keel.dedup.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.StoreRefusedException;
import dev.keel.SubscriptionConfig;
import dev.keel.outbox.jdbc.JdbcSchema;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The database answered and refused (wrong credentials, a missing privilege): the inbox throws the non-retriable
 * {@link JdbcRefusedException}, saying what to fix, not a retriable "store unavailable". On the real databases,
 * with users of their own, dropped afterwards.
 */
class JdbcRefusalTest {

    private static final Duration LEASE = Duration.ofSeconds(10);

    @Test
    void aPostgresRoleWithoutPrivilegesOnTheInboxShouldBeRefusedNotUnavailable() throws Exception {
        TestDatabase db = TestDatabase.POSTGRESQL;
        String prefix = TestDatabase.newPrefix();
        String role = "keel_noperm_" + UUID.randomUUID().toString().substring(0, 8);
        db.create(JdbcSchema.Part.INBOX, prefix);
        execute(db.dataSource(), "CREATE ROLE " + role + " LOGIN");
        try {
            JdbcIdempotencyStore store = store(new TestDatabase.SimpleDataSource(db.url(), role, ""), prefix);

            assertThatThrownBy(() -> store.claim("g:t", "m-1", "token", LEASE))
                    .isInstanceOf(JdbcRefusedException.class).isInstanceOf(StoreRefusedException.class)
                    .hasMessageContaining("42501").hasMessageContaining("grant")
                    .satisfies(e -> assertThat(((StoreRefusedException) e).isRetriable()).isFalse());
            assertThatThrownBy(() -> store.transactional(subscription(), (delivery, connection) -> { })
                    .handle(delivery("m-2"))).isInstanceOf(JdbcRefusedException.class);
        } finally {
            execute(db.dataSource(), "DROP ROLE IF EXISTS " + role);
            db.drop(prefix);
        }
    }

    @Test
    void aPostgresRoleThatDoesNotExistShouldBeRefusedNotUnavailable() {
        TestDatabase db = TestDatabase.POSTGRESQL;
        JdbcIdempotencyStore store = store(new TestDatabase.SimpleDataSource(db.url(), "keel_no_such_role", ""),
                TestDatabase.newPrefix());

        assertThatThrownBy(() -> store.claim("g:t", "m-1", "token", LEASE))
                .isInstanceOf(JdbcRefusedException.class).hasMessageContaining("28")
                .hasMessageContaining("user and password");
    }

    @Test
    void aMariaDbUserWithSelectOnlyOrAWrongPasswordShouldBeRefusedNotUnavailable() throws Exception {
        TestDatabase db = TestDatabase.MARIADB;
        String prefix = TestDatabase.newPrefix();
        String user = "keel_ro_" + UUID.randomUUID().toString().substring(0, 8);
        db.create(JdbcSchema.Part.INBOX, prefix);
        execute(db.dataSource(), "CREATE USER '" + user + "'@'%' IDENTIFIED BY 'pw'");
        try {
            execute(db.dataSource(), "GRANT SELECT ON *.* TO '" + user + "'@'%'");
            JdbcIdempotencyStore readOnly = store(new TestDatabase.SimpleDataSource(db.url(), user, "pw"), prefix);
            assertThatThrownBy(() -> readOnly.claim("g:t", "m-1", "token", LEASE))
                    .isInstanceOf(JdbcRefusedException.class).hasMessageContaining("1142")
                    .hasMessageContaining("grant");

            JdbcIdempotencyStore wrongPassword = store(new TestDatabase.SimpleDataSource(db.url(), user, "wrong"),
                    prefix);
            assertThatThrownBy(() -> wrongPassword.claim("g:t", "m-1", "token", LEASE))
                    .isInstanceOf(JdbcRefusedException.class).hasMessageContaining("1045")
                    .hasMessageContaining("user and password");
        } finally {
            execute(db.dataSource(), "DROP USER IF EXISTS '" + user + "'@'%'");
            db.drop(prefix);
        }
    }

    private static JdbcIdempotencyStore store(DataSource dataSource, String prefix) {
        return JdbcIdempotencyStore.create(dataSource, JdbcStoreConfig.custom().tablePrefix(prefix).build());
    }

    private static SubscriptionConfig<String> subscription() {
        return SubscriptionConfig.builder("orders", "billing", Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).build();
    }

    private static Delivery<String> delivery(String id) {
        Message message = Message.builder("payload", Codec.utf8()).id(id).build();
        return new Delivery<>(message, "payload", 1, "orders", "0", 0L, Map.of());
    }

    private static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
