package dev.keel.spring;

import dev.keel.Message;
import dev.keel.outbox.jdbc.Outbox;
import dev.keel.outbox.jdbc.OutboxTableMissingException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.UUID;
import java.util.function.BiFunction;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.InvalidDataAccessResourceUsageException;
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
 * <p>With tracing (the starter's {@code ObservationInterceptor}), each message is written with the trace context of
 * the transaction that writes it (W3C {@code traceparent}), so its consumer continues the request's trace.
 *
 * <p>Outside a transaction it throws {@link IllegalTransactionStateException} rather than write a
 * message nobody's transaction decides about. Thread-safe; the Spring Boot starter defines one when
 * {@code sdk-outbox-jdbc} and a {@code DataSource} are present.
 */
public final class TransactionalOutbox {

    private final Outbox outbox;
    private final DataSource dataSource;
    private final BiFunction<String, Message, Message> traceContext;

    public TransactionalOutbox(Outbox outbox, DataSource dataSource) {
        this(outbox, dataSource, (topic, message) -> message);
    }

    /**
     * @param traceContext adds the current trace context to each message before it is written (topic, message with
     *                     its id set), such as sdk-observation's {@code ObservationInterceptor::withTraceContext}: the
     *                     row then carries the W3C {@code traceparent} of the transaction that wrote it, and the
     *                     consumer's span continues that trace. The starter passes it when tracing is configured.
     */
    public TransactionalOutbox(Outbox outbox, DataSource dataSource, BiFunction<String, Message, Message> traceContext) {
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.traceContext = Objects.requireNonNull(traceContext, "traceContext");
    }

    /**
     * Inserts {@code message} for {@code topic} into the outbox in the current transaction and returns
     * the id it will be published with (its own, or a random UUID). Commits nothing.
     *
     * @throws IllegalTransactionStateException when no transaction is active, it is read-only, or it
     *                                          is not a transaction of this data source
     * @throws IllegalArgumentException         when the topic, id or key is blank or too long
     * @throws DataAccessException              when the insert fails (the transaction should roll back); when the
     *                                          outbox table does not exist an
     *                                          {@link InvalidDataAccessResourceUsageException} whose message names
     *                                          the table, the script that creates it and
     *                                          {@code keel.outbox.table-prefix}, its cause the
     *                                          {@link OutboxTableMissingException}
     */
    public String publish(String topic, Message message) {
        Objects.requireNonNull(message, "message");
        Connection connection = currentConnection();
        try {
            // the id first (as Outbox.publish would give it), so the trace names the id that is published
            Message withId = message.id() != null ? message : message.toBuilder().id(UUID.randomUUID().toString()).build();
            return outbox.publish(connection, topic, traceContext.apply(topic, withId));
        } catch (OutboxTableMissingException e) {
            // Spring's translation (BadSqlGrammarException) would drop Keel's message, which names the script
            throw new InvalidDataAccessResourceUsageException("Keel outbox insert failed: " + e.getMessage()
                    + " (or, if the table has another prefix, set keel.outbox.table-prefix to it; now '"
                    + outbox.config().tablePrefix() + "')", e);
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
