package dev.keel.outbox.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A connection the relay took from the data source, with the network timeout, auto-commit mode and isolation it had
 * then: {@link #close()} gives them back before closing, so a connection returned to the application's pool does not keep the relay's (HikariCP
 * resets it on return; DBCP2, Tomcat JDBC and c3p0 do not: the application's later queries on that connection would
 * give up after the relay's {@code databaseTimeout}). A round's connection also gets back the session settings
 * {@link SessionLimits} changed.
 */
public final class RelayConnection implements AutoCloseable {

    /** {@link Connection#setNetworkTimeout}'s executor: the drivers the relay runs on need none of their own. */
    private static final Executor IN_PLACE = Runnable::run;

    private final Connection connection;
    /** The network timeout the connection had before the relay set its own; -1 when the driver has none. */
    private final int previousTimeout;
    /** The auto-commit mode and isolation the connection had when the relay took it (a round changes both). */
    private final boolean previousAutoCommit;
    private final int previousIsolation;
    /** The statements that set back the session settings the relay changed; empty when it changed none. */
    private volatile List<String> restore = List.of();

    private RelayConnection(Connection connection, int previousTimeout, boolean previousAutoCommit,
                            int previousIsolation) {
        this.connection = connection;
        this.previousTimeout = previousTimeout;
        this.previousAutoCommit = previousAutoCommit;
        this.previousIsolation = previousIsolation;
    }

    /** Sets {@code limits} on the session, to be set back by {@link #close()}. */
    void limit(SessionLimits limits) throws SQLException {
        restore = limits.apply(connection);
    }

    /**
     * {@code connection} whose reads of the database's replies give up after {@code millis} ({@link
     * Connection#setNetworkTimeout}); closed, and the error thrown, when the timeout cannot be set. A driver without
     * network timeouts keeps its own socket timeout, if any.
     */
    static RelayConnection of(Connection connection, int millis) throws SQLException {
        try {
            boolean autoCommit = connection.getAutoCommit();
            int isolation = connection.getTransactionIsolation();
            int previous;
            try {
                previous = connection.getNetworkTimeout();
                connection.setNetworkTimeout(IN_PLACE, millis);
            } catch (SQLFeatureNotSupportedException e) {
                previous = -1;
            }
            return new RelayConnection(connection, previous, autoCommit, isolation);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    public Connection connection() {
        return connection;
    }

    /**
     * Gives the connection its session settings and network timeout back, when it still can, and closes it; never
     * throws.
     */
    @Override
    public void close() {
        try {
            if (!restore.isEmpty() && !connection.isClosed()) {
                boolean autoCommit = connection.getAutoCommit();
                if (!autoCommit) {
                    connection.rollback(); // nothing of a round is left to keep: its transaction ended
                }
                try (Statement statement = connection.createStatement()) {
                    for (String sql : restore) {
                        statement.execute(sql);
                    }
                }
                if (!autoCommit) {
                    connection.commit();
                }
            }
        } catch (SQLException | RuntimeException e) {
            // a broken connection: closed below, and a pool discards it
        }
        try {
            // a round ran with auto-commit off at READ COMMITTED; not every pool resets them (Tomcat JDBC resets
            // neither, DBCP2 not the isolation), and the application's next borrower expects its own
            if (!connection.isClosed() && (connection.getAutoCommit() != previousAutoCommit
                    || connection.getTransactionIsolation() != previousIsolation)) {
                if (!connection.getAutoCommit()) {
                    connection.rollback(); // a round's transaction has ended; nothing is left to keep
                }
                connection.setTransactionIsolation(previousIsolation);
                connection.setAutoCommit(previousAutoCommit);
            }
        } catch (SQLException | RuntimeException e) {
            // a broken connection: closed below, and a pool discards it
        }
        try {
            if (previousTimeout >= 0 && !connection.isClosed()) {
                connection.setNetworkTimeout(IN_PLACE, previousTimeout);
            }
        } catch (SQLException | RuntimeException e) {
            // a broken connection: closed below, and a pool discards it
        }
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException | RuntimeException e) {
            // closing a connection that failed: nothing left to do with it
        }
    }
}
