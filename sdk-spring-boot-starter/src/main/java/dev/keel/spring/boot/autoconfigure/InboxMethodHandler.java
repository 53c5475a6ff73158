package dev.keel.spring.boot.autoconfigure;

import dev.keel.Delivery;
import dev.keel.MessageHandler;
import dev.keel.SubscriptionConfig;
import dev.keel.dedup.jdbc.JdbcIdempotencyStore;
import java.lang.reflect.Method;
import java.sql.Connection;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.transaction.UnexpectedRollbackException;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A {@code @KeelListener} method run in the JDBC inbox's transaction
 * ({@link JdbcIdempotencyStore#transactional}): the message's inbox row is locked, the method runs
 * unless the row is done, the row is marked done, and one commit applies both. For the method's
 * duration the inbox's connection is bound to Spring as the data source's transaction, so
 * {@code JdbcTemplate}, {@code TransactionalOutbox} and {@code @Transactional} (propagation
 * {@code REQUIRED}) code on that data source join it instead of committing on their own; the
 * method may also take the {@link Connection} as a parameter. Throwing rolls back effect and done
 * mark together; so does a participating {@code @Transactional} that marked it rollback-only.
 */
final class InboxMethodHandler implements SubscriptionBoundHandler {

    private final Object bean;
    private final Method method;
    private final ListenerParameters parameters;
    private final JdbcIdempotencyStore store;
    private final DataSource dataSource;

    /** @param parameters what the method's parameters receive, the inbox's {@code Connection} among them or not */
    InboxMethodHandler(Object bean, Method method, ListenerParameters parameters, JdbcIdempotencyStore store,
                       DataSource dataSource) {
        this.bean = bean;
        this.method = method;
        this.parameters = parameters;
        this.store = store;
        this.dataSource = dataSource;
    }

    @Override
    public MessageHandler<Object> bind(SubscriptionConfig<Object> config, String instanceId) {
        return store.transactional(config, instanceId, this::inTransaction);
    }

    private void inTransaction(Delivery<Object> delivery, Connection connection) throws Exception {
        if (TransactionSynchronizationManager.hasResource(dataSource)) {
            throw new IllegalStateException("a transaction of the DataSource is already bound to the thread that runs"
                    + " Keel listener " + this + ": the inbox's transaction cannot be the listener's");
        }
        Object[] args = parameters.arguments(delivery, connection);
        InboxConnectionHolder holder = new InboxConnectionHolder(connection);
        TransactionSynchronizationManager.bindResource(dataSource, holder);
        // synchronization active: a participating @Transactional does not end the transaction state it found
        TransactionSynchronizationManager.initSynchronization();
        TransactionSynchronizationManager.setActualTransactionActive(true);
        try {
            MethodHandler.call(bean, method, args);
            if (holder.isRollbackOnly()) {
                throw new UnexpectedRollbackException("Keel listener " + this + " returned, but code it called marked"
                        + " the transaction rollback-only: its effect and the done mark are rolled back, and the"
                        + " message is retried");
            }
        } finally {
            TransactionSynchronizationManager.clear();
            TransactionSynchronizationManager.unbindResource(dataSource);
        }
    }

    @Override
    public String toString() {
        return method.getDeclaringClass().getSimpleName() + "." + method.getName();
    }

    /**
     * The inbox's connection as an active transaction of the data source: Spring code joins it and
     * never commits, rolls back or closes it (the inbox does).
     */
    private static final class InboxConnectionHolder extends ConnectionHolder {
        InboxConnectionHolder(Connection connection) {
            super(connection, true);
        }
    }
}
