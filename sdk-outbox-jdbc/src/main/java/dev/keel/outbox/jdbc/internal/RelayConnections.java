package dev.keel.outbox.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executor;
import javax.sql.DataSource;

/**
 * The connections of a relay's rounds, kept open between rounds and between drains: a round then costs its
 * statements and its commit, not a connection set up from the data source (a login on a data source that does not
 * pool). At most as many stay open as rounds ran at once. A connection whose round failed is closed, not kept;
 * {@link #close()} closes those kept. Every connection it opens waits at most the network timeout for a reply of the
 * database ({@link #open()}). Thread-safe.
 */
final class RelayConnections implements AutoCloseable {

    /** {@link Connection#setNetworkTimeout}'s executor: the drivers the relay runs on need none of their own. */
    private static final Executor IN_PLACE = Runnable::run;

    private final DataSource dataSource;
    private final int networkTimeoutMillis;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    RelayConnections(DataSource dataSource, Duration networkTimeout) {
        this.dataSource = dataSource;
        this.networkTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, networkTimeout.toMillis());
    }

    /**
     * A connection from the data source whose reads of the database's replies give up after the network timeout
     * ({@link Connection#setNetworkTimeout}): the driver then fails the statement and closes the connection, so a
     * database host that died mid-reply, or a network that lost the reply, fails the relay's work instead of hanging
     * it. A driver without network timeouts keeps its own (none are known among PostgreSQL's, MariaDB's and MySQL's).
     */
    Connection open() throws SQLException {
        return withNetworkTimeout(dataSource.getConnection(), networkTimeoutMillis);
    }

    /** {@code connection} with the network timeout set; closed, and the error thrown, when it cannot be set. */
    static Connection withNetworkTimeout(Connection connection, int millis) throws SQLException {
        try {
            connection.setNetworkTimeout(IN_PLACE, millis);
        } catch (SQLFeatureNotSupportedException e) {
            return connection; // the driver has none: its own socket timeout, if any, applies
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
        return connection;
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
        Connection connection = open();
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
