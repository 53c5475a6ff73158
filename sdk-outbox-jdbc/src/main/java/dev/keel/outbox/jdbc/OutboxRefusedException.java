package dev.keel.outbox.jdbc;

import java.sql.SQLException;

/**
 * The database refused the outbox relay: its login (wrong user or password, an account locked or expired, a TLS
 * certificate), or a privilege on the outbox tables. Waiting does not cure it: {@link OutboxRelay#start()} throws it
 * before anything is published, and a running relay that meets it stops ({@link OutboxRelay#failure()}) instead of
 * publishing the same rows again every poll interval. The message says what to grant; its SQL state and vendor code
 * are the database's own. The rows stay in the table for the relay started again.
 */
public final class OutboxRefusedException extends SQLException {
    private static final long serialVersionUID = 1L;

    public OutboxRefusedException(String message, SQLException cause) {
        super(message, cause.getSQLState(), cause.getErrorCode(), cause);
    }
}
