package dev.keel.sample;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The test's own view of the sample's billing tables, over its own connection (the application's
 * pool closes with its context): counts, a table lock that holds the billing handlers inside their
 * insert, and dropping the schema at the end.
 */
final class BillingTables implements AutoCloseable {

    /** Where the service's database is, as the test reaches it. */
    record Database(String url, String user, String password) {
        /** The machine's PostgreSQL, as the sample's application.properties names it. */
        static final Database MACHINE = new Database("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");

        @Override
        public String toString() {
            return url + " as " + user; // never the password
        }
    }

    private final String schema;
    private final Connection connection;

    BillingTables(Database database, String schema) throws SQLException {
        this.schema = schema;
        this.connection = DriverManager.getConnection(database.url(), database.user(), database.password());
    }

    /** Invoice rows. */
    long invoices() {
        return count("SELECT count(*) FROM " + schema + ".invoices");
    }

    /** Orders with at least one invoice row. */
    long invoicedOrders() {
        return count("SELECT count(DISTINCT order_id) FROM " + schema + ".invoices");
    }

    /** Runs of the billing handler (each commits a row before its invoice). */
    long executions() {
        return count("SELECT count(*) FROM " + schema + ".billing_executions");
    }

    /** Orders whose handler ran more than once. */
    long repeatedOrders() {
        return count("SELECT count(*) FROM (SELECT order_id FROM " + schema
                + ".billing_executions GROUP BY order_id HAVING count(*) > 1) repeated");
    }

    /**
     * Locks the invoices table until {@link #unlockInvoices()}: every billing handler that runs
     * meanwhile waits inside its insert, i.e. stays in flight.
     */
    void lockInvoices() throws SQLException {
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("LOCK TABLE " + schema + ".invoices IN EXCLUSIVE MODE");
        }
    }

    void unlockInvoices() throws SQLException {
        connection.commit();
        connection.setAutoCommit(true);
    }

    private long count(String sql) {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count: " + sql, e);
        }
    }

    /** Drops the schema and closes the connection. */
    @Override
    public void close() throws SQLException {
        try (connection; Statement statement = connection.createStatement()) {
            if (!connection.getAutoCommit()) {
                connection.rollback();
                connection.setAutoCommit(true);
            }
            statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
