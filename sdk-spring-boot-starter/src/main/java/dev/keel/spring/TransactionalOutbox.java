package dev.keel.spring;

import dev.keel.Message;
import dev.keel.outbox.jdbc.Outbox;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.support.SQLExceptionSubclassTranslator;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The transactional outbox inside Spring-managed transactions: {@link #publish} writes the message
 * into the outbox table on the connection of the current transaction (the one
 * {@code DataSourceTransactionManager}, {@code JdbcTransactionManager} or a JPA transaction manager
 * bound for the data source, as {@code JdbcTemplate} uses it), so the message is published by the
 * relay if and only if that transaction commits.
 *
 * <pre>{@code
 * @Transactional
 * public void place(Order order) {
 *     jdbc.update("insert into orders ...", ...);
 *     outbox.publish("orders", Message.builder(json, codec).id("order-" + order.id()).key(order.customer()).build());
 * }
 * }</pre>
 *
 * <p>Outside a transaction it throws {@link IllegalTransactionStateException} rather than write a
 * message nobody's transaction decides about. Thread-safe; the Spring Boot starter defines one when
 * {@code sdk-outbox-jdbc} and a {@code DataSource} are present.
 */
public final class TransactionalOutbox {

    private final Outbox outbox;
    private final DataSource dataSource;

    public TransactionalOutbox(Outbox outbox, DataSource dataSource) {
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * Inserts {@code message} for {@code topic} into the outbox in the current transaction and returns
     * the id it will be published with (its own, or a random UUID). Commits nothing.
     *
     * @throws IllegalTransactionStateException when no transaction is active, it is read-only, or it
     *                                          is not a transaction of this data source
     * @throws IllegalArgumentException         when the topic, id or key is blank or too long
     * @throws DataAccessException              when the insert fails (the transaction should roll back)
     */
    public String publish(String topic, Message message) {
        Objects.requireNonNull(message, "message");
        Connection connection = currentConnection();
        try {
            return outbox.publish(connection, topic, message);
        } catch (SQLException e) {
            DataAccessException translated = new SQLExceptionSubclassTranslator().translate("Keel outbox insert",
                    null, e);
            throw translated != null ? translated : new UncategorizedSQLException("Keel outbox insert", null, e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    private Connection currentConnection() {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalTransactionStateException("TransactionalOutbox.publish needs the transaction that writes"
                    + " your business rows, and none is active: call it from a @Transactional method (or inside a"
                    + " TransactionTemplate), or pass the Connection of your own transaction to"
                    + " Outbox.publish(connection, topic, message)");
        }
        if (TransactionSynchronizationManager.isCurrentTransactionReadOnly()) {
            throw new IllegalTransactionStateException("TransactionalOutbox.publish writes a row, but the current"
                    + " transaction is read-only: publish from a read-write @Transactional method");
        }
        if (!(TransactionSynchronizationManager.getResource(dataSource) instanceof ConnectionHolder)) {
            throw new IllegalTransactionStateException("the current transaction holds no connection of the DataSource"
                    + " the Keel outbox writes to: run it with a transaction manager of that DataSource"
                    + " (DataSourceTransactionManager, JdbcTransactionManager or JpaTransactionManager), or pass the"
                    + " Connection of your own transaction to Outbox.publish(connection, topic, message)");
        }
        return DataSourceUtils.getConnection(dataSource);
    }

    /** The plain outbox, for code that manages its own connections. */
    public Outbox outbox() {
        return outbox;
    }

    @Override
    public String toString() {
        return "TransactionalOutbox{" + outbox.config() + "}";
    }
}
