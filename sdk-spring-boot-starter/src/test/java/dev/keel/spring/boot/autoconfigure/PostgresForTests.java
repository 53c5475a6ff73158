package dev.keel.spring.boot.autoconfigure;

import dev.keel.outbox.jdbc.JdbcSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The real PostgreSQL the outbox and inbox tests run on: {@code keel.jdbc.postgresql.url} /
 * {@code KEEL_JDBC_POSTGRESQL_URL} (and {@code _USER}, {@code _PASSWORD}), by default
 * {@code jdbc:postgresql://127.0.0.1:5432/test} as {@code postgres}. Each test's tables carry a
 * prefix of their own, dropped after it.
 */
final class PostgresForTests {

    final String prefix = "s" + UUID.randomUUID().toString().replace("-", "").substring(0, 12) + "_";
    final String url = setting("url", "jdbc:postgresql://127.0.0.1:5432/test");
    final DataSource dataSource = new DriverManagerDataSource(url, setting("user", "postgres"), setting("password", ""));

    /** Creates the outbox and inbox tables and the test's orders and invoices tables. */
    PostgresForTests create() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            JdbcSchema.apply(connection, JdbcSchema.Part.OUTBOX, prefix);
            JdbcSchema.apply(connection, JdbcSchema.Part.INBOX, prefix);
            statement.execute("CREATE TABLE " + prefix + "orders (id VARCHAR(64) PRIMARY KEY)");
            // no unique constraint: a repeated effect shows as a second row
            statement.execute("CREATE TABLE " + prefix + "invoices (order_id VARCHAR(64) NOT NULL)");
        }
        return this;
    }

    void drop() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String table : new String[] {"outbox", "outbox_lane", "inbox", "orders", "invoices"}) {
                statement.execute("DROP TABLE IF EXISTS " + prefix + table);
            }
        }
    }

    long count(String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             var rows = statement.executeQuery(sql.replace("{p}", prefix))) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static String setting(String what, String fallback) {
        String property = System.getProperty("keel.jdbc.postgresql." + what);
        if (property != null) {
            return property;
        }
        String env = System.getenv("KEEL_JDBC_POSTGRESQL_" + what.toUpperCase(Locale.ROOT));
        return env != null ? env : fallback;
    }
}
