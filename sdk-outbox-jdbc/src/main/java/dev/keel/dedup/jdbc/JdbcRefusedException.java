package dev.keel.dedup.jdbc;

import dev.keel.StoreRefusedException;

/**
 * The database refused the JDBC inbox's statements for a reason that retrying does not cure: the login
 * (SQLState class 28: a wrong user or password, an account locked or expired; MariaDB/MySQL 1045, 1698, ...) or a
 * privilege the data source's user lacks (SQLState 42501 on PostgreSQL; MariaDB/MySQL 1044, 1142, 1143, ...).
 * Not retriable; the message carries the database's own error and what to fix (the credentials, or the grants the
 * inbox needs: SELECT, INSERT, UPDATE and DELETE on its table). It is not an outage: the database answered.
 *
 * <p>Keel's consumers treat it as they treat any store failure: they pause, log it at ERROR, try again every
 * {@code storeRetryInterval}, and resume once the cause is fixed. Thrown by a transactional handler, it neither
 * uses up the retry policy's attempts nor dead-letters the message.
 */
public class JdbcRefusedException extends StoreRefusedException {
    private static final long serialVersionUID = 1L;

    public JdbcRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
