package dev.keel.outbox.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Runs work in a transaction of its own on a connection from a {@link DataSource}, at READ COMMITTED,
 * and runs it again (a few times) when the database aborted it to break a deadlock or a
 * serialization conflict, which batches locking rows concurrently can meet.
 */
public final class Transactions {

    /**
     * The SQLState of a serialization failure: what a transaction that found its own rows changed under
     * it reports, so that it is run again like one the database aborted.
     */
    public static final String RETRY_STATE = "40001";

    /** How many times a transaction aborted by a deadlock is run again before its error is thrown. */
    public static final int MAX_DEADLOCK_RETRIES = 10;

    /** Work done on a connection inside a transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private Transactions() {
    }

    /** Runs {@code work} in its own transaction and commits; rolls back and throws on failure. */
    public static <T> T inTransaction(DataSource dataSource, Work<T> work) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try (Connection connection = dataSource.getConnection()) {
                return inTransaction(connection, work);
            } catch (SQLException e) {
                if (attempt >= MAX_DEADLOCK_RETRIES || !isTransient(e)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Makes {@code connection} ready for {@link #inPreparedTransaction}: READ COMMITTED, auto-commit off. For a
     * connection that runs many transactions in a row (a relay worker's), so each one costs no extra round trips.
     */
    public static void prepare(Connection connection) throws SQLException {
        if (connection.getTransactionIsolation() != Connection.TRANSACTION_READ_COMMITTED) {
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        }
        connection.setAutoCommit(false);
    }

    /**
     * Runs {@code work} on a connection made ready by {@link #prepare} and commits; rolls back and throws on failure.
     * The connection stays prepared for the next one.
     */
    public static <T> T inPreparedTransaction(Connection connection, Work<T> work) throws SQLException {
        try {
            T result = work.run(connection);
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException | Error e) {
            rollbackQuietly(connection, e);
            throw e;
        }
    }

    /** Runs {@code work} in a transaction of {@code connection}, commits, and restores its settings. */
    public static <T> T inTransaction(Connection connection, Work<T> work) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        int isolation = connection.getTransactionIsolation();
        try {
            if (isolation != Connection.TRANSACTION_READ_COMMITTED) {
                connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            }
            connection.setAutoCommit(false);
            T result = work.run(connection);
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException | Error e) {
            rollbackQuietly(connection, e);
            throw e;
        } finally {
            restore(connection, autoCommit, isolation);
        }
    }

    /** Rolls back, keeping a rollback failure as suppressed by {@code cause}. */
    public static void rollbackQuietly(Connection connection, Throwable cause) {
        try {
            if (!connection.isClosed() && !connection.getAutoCommit()) {
                connection.rollback();
            }
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }

    private static void restore(Connection connection, boolean autoCommit, int isolation) {
        try {
            if (connection.isClosed()) {
                return;
            }
            if (connection.getAutoCommit() != autoCommit) {
                connection.setAutoCommit(autoCommit);
            }
            if (connection.getTransactionIsolation() != isolation) {
                connection.setTransactionIsolation(isolation);
            }
        } catch (SQLException ignored) {
            // a broken connection: the pool discards it
        }
    }

    /** A deadlock or serialization failure: the transaction was rolled back and may simply be run again. */
    public static boolean isTransient(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (RETRY_STATE.equals(state) || "40P01".equals(state) || sql.getErrorCode() == 1213) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A column that does not exist: the table is of an earlier layout. */
    public static boolean isMissingColumn(SQLException e) {
        String state = e.getSQLState();
        return "42703".equals(state) || "42S22".equals(state) || e.getErrorCode() == 1054;
    }

    /** A table or relation that does not exist: the schema was not applied. */
    public static boolean isMissingTable(SQLException e) {
        String state = e.getSQLState();
        return "42P01".equals(state) || "42S02".equals(state) || e.getErrorCode() == 1146;
    }
}
