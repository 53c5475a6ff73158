package dev.keel.outbox.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.sql.DataSource;

/**
 * The connections of a relay's rounds, kept open between rounds and between drains: a round then costs its
 * statements and its commit, not a connection set up from the data source (a login on a data source that does not
 * pool). At most as many stay open as rounds ran at once. A connection whose round failed is closed, not kept;
 * {@link #close()} closes those kept. Thread-safe.
 */
final class RelayConnections implements AutoCloseable {

    private final DataSource dataSource;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    RelayConnections(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A kept connection, or a new one from the data source; either ready for {@link Transactions#inPreparedTransaction}. */
    Taken take() throws SQLException {
        Connection connection = idle.pollFirst();
        return connection != null ? new Taken(connection, true) : new Taken(fresh(), false);
    }

    /** A connection taken: whether it was kept from an earlier round (it may have been closed by the database since). */
    record Taken(Connection connection, boolean kept) {
    }

    /** A new connection from the data source, ready for {@link Transactions#inPreparedTransaction}. */
    Connection fresh() throws SQLException {
        Connection connection = dataSource.getConnection();
        try {
            Transactions.prepare(connection);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
        return connection;
    }

    /** Keeps {@code connection} for the next round, or closes it when its round failed or the relay is closed. */
    void give(Connection connection, boolean healthy) {
        if (healthy && !closed) {
            idle.addFirst(connection);
            if (!closed) {
                return;
            }
            idle.remove(connection);
        }
        closeQuietly(connection);
    }

    /** Closes the connections kept now; later rounds keep theirs again. */
    void releaseIdle() {
        for (Connection connection; (connection = idle.pollFirst()) != null; ) {
            closeQuietly(connection);
        }
    }

    /** Closes the kept connections; connections given afterwards are closed at once. */
    @Override
    public void close() {
        closed = true;
        releaseIdle();
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException | RuntimeException e) {
            // closing a connection that failed: nothing left to do with it
        }
    }
}
