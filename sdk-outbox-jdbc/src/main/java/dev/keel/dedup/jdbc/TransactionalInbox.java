package dev.keel.dedup.jdbc;

import dev.keel.Delivery;
import dev.keel.MessageHandler;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.outbox.jdbc.internal.InboxTable;
import dev.keel.outbox.jdbc.internal.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler {@link JdbcIdempotencyStore#transactional} returns: one transaction per delivery that
 * locks the message's inbox row, runs the effect unless the row is done, marks it done and commits.
 * The done mark keeps the row's owner token, so the engine's own completion afterwards (with the
 * token it claimed with) finds its claim done and reports it applied.
 */
final class TransactionalInbox<T> implements MessageHandler<T> {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionalInbox.class);

    private final JdbcIdempotencyStore store;
    private final String namespace;
    private final IdempotencyPolicy policy;
    private final TransactionalHandler<T> handler;

    TransactionalInbox(JdbcIdempotencyStore store, String namespace, IdempotencyPolicy policy,
                       TransactionalHandler<T> handler) {
        this.store = store;
        this.namespace = namespace;
        this.policy = policy;
        this.handler = handler;
    }

    @Override
    public void handle(Delivery<T> delivery) throws Exception {
        try (Connection connection = store.dataSource().getConnection()) {
            Transactions.inTransaction(connection, tx -> {
                InboxTable table = store.table(tx);
                long now = store.config().clock().millis();
                String token = "inbox-" + UUID.randomUUID();
                if (table.lockForEffect(tx, namespace, delivery.id(), token, now, policy.lease().toMillis())) {
                    LOG.debug("message {} from {} is done already; its effect is not applied again", delivery.id(),
                            delivery.topic());
                    return null;
                }
                runHandler(delivery, tx);
                table.markDone(tx, namespace, delivery.id(), store.config().clock().millis()
                        + policy.retention().toMillis());
                return null;
            });
        } catch (HandlerFailure failure) {
            throw failure.cause;
        } catch (SQLException e) {
            throw store.failure("transactional handling", e);
        }
    }

    private void runHandler(Delivery<T> delivery, Connection tx) {
        try {
            handler.handle(delivery, tx);
        } catch (Exception e) {
            throw new HandlerFailure(e);
        }
    }

    /** Carries the handler's own exception out of the transaction, which rolls back on it. */
    private static final class HandlerFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Exception cause;

        HandlerFailure(Exception cause) {
            super(cause);
            this.cause = cause;
        }
    }
}
