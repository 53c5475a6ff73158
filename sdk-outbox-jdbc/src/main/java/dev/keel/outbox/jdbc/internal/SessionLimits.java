package dev.keel.outbox.jdbc.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * The limits a round's session gets on the database's side, so that a transaction of the relay whose client is gone (its
 * reply lost, the relay's network timeout fired, the socket dropped while the database did not notice) ends there and
 * frees its lanes, instead of holding them until TCP keepalive or {@code wait_timeout} ends the session: a statement
 * runs at most the relay's network timeout (PostgreSQL {@code statement_timeout}; MariaDB/MySQL
 * {@code innodb_lock_wait_timeout}, for the lock waits), and a transaction stays idle at most as long as a healthy round
 * can wait for confirmations, plus the network timeout (PostgreSQL {@code idle_in_transaction_session_timeout}; MariaDB
 * {@code idle_transaction_timeout}, MySQL {@code wait_timeout}). Each set for the session, and set back to what it was
 * when the relay gives the connection back ({@link RelayConnection#close()}).
 */
final class SessionLimits {

    private final Duration statement;
    private final Duration idleInTransaction;

    SessionLimits(Duration statement, Duration idleInTransaction) {
        this.statement = statement;
        this.idleInTransaction = idleInTransaction;
    }

    /** Sets the limits on {@code connection}; returns the statements that set back what it had. */
    List<String> apply(Connection connection) throws SQLException {
        Dialect dialect = Dialect.of(connection);
        List<String> restore;
        try (Statement sql = connection.createStatement()) {
            if (dialect == Dialect.POSTGRESQL) {
                String[] was = read(sql, "SELECT current_setting('statement_timeout'),"
                        + " current_setting('idle_in_transaction_session_timeout')");
                sql.execute("SET statement_timeout = " + statement.toMillis()
                        + "; SET idle_in_transaction_session_timeout = " + idleInTransaction.toMillis());
                restore = List.of("SET statement_timeout = " + quoted(was[0])
                        + "; SET idle_in_transaction_session_timeout = " + quoted(was[1]));
            } else {
                String idle = "idle_transaction_timeout"; // MariaDB's; MySQL has only wait_timeout
                String[] was;
                try {
                    was = read(sql, "SELECT @@SESSION.innodb_lock_wait_timeout, @@SESSION.idle_transaction_timeout");
                } catch (SQLException e) {
                    idle = "wait_timeout";
                    was = read(sql, "SELECT @@SESSION.innodb_lock_wait_timeout, @@SESSION.wait_timeout");
                }
                sql.execute("SET SESSION innodb_lock_wait_timeout = " + seconds(statement) + ", SESSION " + idle
                        + " = " + seconds(idleInTransaction));
                restore = List.of("SET SESSION innodb_lock_wait_timeout = " + Long.parseLong(was[0]) + ", SESSION "
                        + idle + " = " + Long.parseLong(was[1]));
            }
        }
        if (!connection.getAutoCommit()) {
            connection.commit(); // PostgreSQL's SET is undone by a rollback
        }
        return restore;
    }

    private static String[] read(Statement sql, String query) throws SQLException {
        try (ResultSet rows = sql.executeQuery(query)) {
            rows.next();
            return new String[] {rows.getString(1), rows.getString(2)};
        }
    }

    private static long seconds(Duration duration) {
        return Math.max(1, (duration.toMillis() + 999) / 1000);
    }

    private static String quoted(String setting) {
        return "'" + setting.replace("'", "''") + "'";
    }
}
