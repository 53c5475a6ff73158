package dev.keel.cli.outbox;

import dev.keel.cli.EnvironmentException;
import dev.keel.outbox.jdbc.JdbcSchema;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The database of a {@code verify --outbox} run: a data source on the URL (no pool: a new
 * connection per call), the run's tables under a prefix of its own (the shipped outbox and inbox
 * scripts, plus {@code orders}, the business rows, and {@code effects}, the consumer's effects with
 * the order they were applied in), and the queries the checks read.
 */
final class OutboxDatabase implements DataSource {

    private final String url;
    private final String user;
    private final String password;
    private final boolean mariadb;
    final String prefix;

    OutboxDatabase(String url, String user, String password, String prefix) {
        if (!url.startsWith("jdbc:postgresql:") && !url.startsWith("jdbc:mariadb:") && !url.startsWith("jdbc:mysql:")) {
            throw new IllegalArgumentException("--outbox takes a jdbc:postgresql:, jdbc:mariadb: or jdbc:mysql: URL, was "
                    + url.replaceAll("//[^@/]*@", "//***@"));
        }
        this.url = url;
        this.mariadb = !url.startsWith("jdbc:postgresql:");
        this.user = user != null ? user : mariadb ? "root" : "postgres";
        this.password = password;
        this.prefix = prefix;
    }

    /** The URL without credentials or parameters, for the report. */
    String endpoint() {
        int query = url.indexOf('?');
        return (query < 0 ? url : url.substring(0, query)).replaceAll("//[^@/]*@", "//");
    }

    void createTables() {
        try (Connection c = getConnection(); Statement s = c.createStatement()) {
            JdbcSchema.apply(c, JdbcSchema.Part.OUTBOX, prefix);
            JdbcSchema.apply(c, JdbcSchema.Part.INBOX, prefix);
            s.execute("CREATE TABLE " + prefix + "orders (id VARCHAR(64) PRIMARY KEY, order_key VARCHAR(64) NOT NULL,"
                    + " seq INT NOT NULL)");
            // no unique constraint on the message id: a repeated effect shows as a second row
            s.execute("CREATE TABLE " + prefix + "effects (applied " + (mariadb ? "BIGINT AUTO_INCREMENT PRIMARY KEY"
                    : "BIGSERIAL PRIMARY KEY") + ", message_id VARCHAR(64) NOT NULL, order_key VARCHAR(64) NOT NULL,"
                    + " seq INT NOT NULL)");
        } catch (SQLException e) {
            throw new EnvironmentException("cannot create the run's tables on " + endpoint() + ": " + e.getMessage()
                    + " (check the database is up and the user may create tables)");
        }
    }

    /** Drops the run's tables; a problem for the report, or {@code null}. */
    String dropTables() {
        try (Connection c = getConnection(); Statement s = c.createStatement()) {
            for (String table : new String[] {"outbox", "outbox_lane", "inbox", "orders", "effects"}) {
                s.execute("DROP TABLE IF EXISTS " + prefix + table);
            }
            return null;
        } catch (SQLException e) {
            return "could not drop the tables " + prefix + "*: " + e.getMessage() + "; drop them by hand";
        }
    }

    /** The committed business rows: order id to its sequence number within its key. */
    Map<String, Integer> committedOrders() throws SQLException {
        Map<String, Integer> orders = new HashMap<>();
        try (Connection c = getConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT id, seq FROM " + prefix + "orders")) {
            while (rows.next()) {
                orders.put(rows.getString(1), rows.getInt(2));
            }
        }
        return orders;
    }

    /** Every effect row in the order it was applied: message id, key, sequence. */
    List<String[]> effects() throws SQLException {
        List<String[]> effects = new ArrayList<>();
        try (Connection c = getConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT message_id, order_key, seq FROM " + prefix
                     + "effects ORDER BY applied")) {
            while (rows.next()) {
                effects.add(new String[] {rows.getString(1), rows.getString(2), Integer.toString(rows.getInt(3))});
            }
        }
        return effects;
    }

    /** The outbox rows not parked: what the relays still have to publish. */
    long pendingOutboxRows() throws SQLException {
        try (Connection c = getConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT count(*) FROM " + prefix + "outbox WHERE parked_at IS NULL")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** The parked outbox rows: message id to park cause ({@code null} when none was written). */
    Map<String, String> parkedRows() throws SQLException {
        Map<String, String> parked = new HashMap<>();
        try (Connection c = getConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT message_id, park_cause FROM " + prefix
                     + "outbox WHERE parked_at IS NOT NULL")) {
            while (rows.next()) {
                parked.put(rows.getString(1), rows.getString(2));
            }
        }
        return parked;
    }

    /** Whether {@code table} holds a row, read on {@code c} (stops at the first row found). */
    boolean any(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery("SELECT 1 FROM " + prefix + table
                + " LIMIT 1")) {
            return rows.next();
        }
    }

    long count(String table) throws SQLException {
        try (Connection c = getConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT count(*) FROM " + prefix + table)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    @Override
    public Connection getConnection(String username, String pw) throws SQLException {
        return DriverManager.getConnection(url, username, pw);
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
    }

    @Override
    public void setLoginTimeout(int seconds) {
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
        return false;
    }
}
