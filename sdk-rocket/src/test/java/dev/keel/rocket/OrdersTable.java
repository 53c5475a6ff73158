package dev.keel.rocket;

import dev.keel.testbrokers.UniqueNames;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

/**
 * The business table of the transactional-message tests, on the real PostgreSQL: one order row per
 * message, holding the message's id so a check-back can tell whether the order committed. The database
 * is {@code keel.jdbc.postgresql.url} / {@code KEEL_JDBC_POSTGRESQL_URL} (and {@code _USER}, {@code _PASSWORD}),
 * by default {@code jdbc:postgresql://127.0.0.1:5432/test} as {@code postgres} without a password.
 */
final class OrdersTable implements AutoCloseable {

    /**
     * The longest a local transaction of these tests runs. The harness's broker checks every second and gives up
     * after 15 checks, so it must stay well under 15 s.
     */
    static final Duration LONGEST_TRANSACTION = Duration.ofSeconds(8);

    private final String table;

    private OrdersTable(String table) {
        this.table = table;
    }

    /** A new table with a name of its own. */
    static OrdersTable create() throws SQLException {
        OrdersTable orders = new OrdersTable("orders_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + orders.table + " (order_id TEXT PRIMARY KEY, message_id TEXT NOT NULL UNIQUE)");
        }
        return orders;
    }

    /** The table another process created. */
    static OrdersTable named(String table) {
        return new OrdersTable(table);
    }

    String name() {
        return table;
    }

    static Connection connect() throws SQLException {
        return DriverManager.getConnection(setting("url", "jdbc:postgresql://127.0.0.1:5432/test"),
                setting("user", "postgres"), setting("password", ""));
    }

    /** A connection with a transaction open (auto-commit off). */
    static Connection begin() throws SQLException {
        Connection c = connect();
        c.setAutoCommit(false);
        return c;
    }

    void insert(Connection transaction, String orderId, String messageId) throws SQLException {
        try (PreparedStatement s = transaction.prepareStatement("INSERT INTO " + table
                + " (order_id, message_id) VALUES (?, ?)")) {
            s.setString(1, orderId);
            s.setString(2, messageId);
            s.executeUpdate();
        }
    }

    /** Whether an order row with this message id is committed: what a check-back asks. */
    boolean hasMessage(String messageId) throws SQLException {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement("SELECT 1 FROM " + table
                + " WHERE message_id = ?")) {
            s.setString(1, messageId);
            try (ResultSet rows = s.executeQuery()) {
                return rows.next();
            }
        }
    }

    /**
     * The check-back of these tests, as docs/rocketmq.md shows it: committed when the row is there; when it is not,
     * not known yet while the message is younger than {@link #LONGEST_TRANSACTION} (its local transaction may still
     * run, in this process or another of the group), else rolled back.
     */
    TransactionOutcome check(HalfMessage message) throws SQLException {
        if (hasMessage(message.id())) {
            return TransactionOutcome.COMMIT;
        }
        return message.age(Instant.now()).compareTo(LONGEST_TRANSACTION) < 0 ? TransactionOutcome.UNKNOWN
                : TransactionOutcome.ROLLBACK;
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + table);
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

    /** A message id unique to this run. */
    static String uniqueId(String prefix) {
        return UniqueNames.of(prefix);
    }
}
