package dev.keel.outbox.jdbc;

import java.sql.SQLException;

/**
 * The outbox table does not exist in the database the {@code DataSource} reaches: create it with the script
 * {@link JdbcSchema.Part#OUTBOX} for your database (or, for a service that does not use the outbox, do not start a
 * relay). Thrown by {@link OutboxRelay#start()} and by a publish into the outbox; its SQL state and vendor code are
 * the database's own.
 */
public final class OutboxTableMissingException extends SQLException {
    private static final long serialVersionUID = 1L;

    public OutboxTableMissingException(String message, SQLException cause) {
        super(message, cause.getSQLState(), cause.getErrorCode(), cause);
    }
}
