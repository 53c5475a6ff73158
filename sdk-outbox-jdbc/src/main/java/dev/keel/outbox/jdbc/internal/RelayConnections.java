package dev.keel.outbox.jdbc.internal;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.sql.DataSource;

/**
 * The connections of a relay's rounds, kept open between rounds and between drains: a round then costs its
 * statements and its commit, not a connection set up from the data source (a login on a data source that does not
 * pool). At most as many stay open as rounds ran at once. A connection whose round failed is closed, not kept;
 * {@link #close()} closes those kept. Every connection it opens waits at most the network timeout for a reply of the
 * database ({@link #open()}), and gets its own network timeout back when the relay lets go of it
 * ({@link RelayConnection#close()}). Thread-safe.
 */
final class RelayConnections implements AutoCloseable {

    private final DataSource dataSource;
    private final int networkTimeoutMillis;
    private final SessionLimits limits;
    private final ConcurrentLinkedDeque<RelayConnection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    /**
     * Connections of {@code dataSource} waiting at most {@code networkTimeout} for a reply; a round's session is limited
     * on the database's side ({@link SessionLimits}) to statements of {@code networkTimeout} and transactions idle for
     * at most {@code longestIdle} (what a healthy round can wait for confirmations) plus {@code networkTimeout}.
     */
    RelayConnections(DataSource dataSource, Duration networkTimeout, Duration longestIdle) {
        this.dataSource = dataSource;
        this.networkTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, networkTimeout.toMillis());
        this.limits = new SessionLimits(networkTimeout, longestIdle.plus(networkTimeout));
    }

    /**
     * A connection from the data source whose reads of the database's replies give up after the network timeout
     * ({@link java.sql.Connection#setNetworkTimeout}): the driver then fails the statement and closes the connection,
     * so a database host that died mid-reply, or a network that lost the reply, fails the relay's work instead of
     * hanging it. Its {@link RelayConnection#close()} gives the connection its earlier timeout back.
     */
    RelayConnection open() throws SQLException {
        return RelayConnection.of(dataSource.getConnection(), networkTimeoutMillis);
    }

    /** A kept connection, or a new one from the data source; either ready for {@link Transactions#inPreparedTransaction}. */
    Taken take() throws SQLException {
        RelayConnection connection = idle.pollFirst();
        return connection != null ? new Taken(connection, true) : new Taken(fresh(), false);
    }

    /** A connection taken: whether it was kept from an earlier round (it may have been closed by the database since). */
    record Taken(RelayConnection connection, boolean kept) {
    }

    /**
     * A new connection from the data source, its session limited ({@link SessionLimits}), ready for
     * {@link Transactions#inPreparedTransaction}.
     */
    RelayConnection fresh() throws SQLException {
        RelayConnection connection = open();
        try {
            connection.limit(limits);
            Transactions.prepare(connection.connection());
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
        return connection;
    }

    /** Keeps {@code connection} for the next round, or closes it when its round failed or the relay is closed. */
    void give(RelayConnection connection, boolean healthy) {
        if (healthy && !closed) {
            idle.addFirst(connection);
            if (!closed) {
                return;
            }
            idle.remove(connection);
        }
        connection.close();
    }

    /** Closes the connections kept now; later rounds keep theirs again. */
    void releaseIdle() {
        for (RelayConnection connection; (connection = idle.pollFirst()) != null; ) {
            connection.close();
        }
    }

    /** Closes the kept connections; connections given afterwards are closed at once. */
    @Override
    public void close() {
        closed = true;
        releaseIdle();
    }
}
