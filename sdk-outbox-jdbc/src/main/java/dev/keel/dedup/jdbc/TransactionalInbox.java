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
 * reads the message's inbox row (without a lock), runs the effect unless the row is done, then marks
 * it done and commits. The row is locked only from the done mark to the commit, never while the
 * handler runs, so the subscription's lease renewals and claims of that row (and of the rows of other
 * ids in their batches) never wait on a handler. Two transactions that applied the same message's
 * effect meet at the done mark: the second waits for the first's commit, finds the row done and rolls
 * its own effect back. The done mark keeps the row's owner token, so the engine's own completion
 * afterwards (with the token it claimed with) finds its claim done and reports it applied.
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
        // an id the table cannot hold fails the message (retries, then its dead letter), not the store: a store
        // failure would pause the consumer until the database answers, which it would never do for this id
        store.checkId(delivery.id());
        try (Connection connection = store.dataSource().getConnection()) {
            Transactions.inTransaction(connection, tx -> {
                InboxTable table = store.table(tx);
                if (table.isDone(tx, namespace, delivery.id(), store.config().clock().millis())) {
                    LOG.debug("message {} from {} is done already; its effect is not applied again", delivery.id(),
                            delivery.topic());
                    return null;
                }
                runHandler(delivery, tx);
                long now = store.config().clock().millis();
                String token = "inbox-" + UUID.randomUUID(); // the row's owner if no claim made it (AT_LEAST_ONCE)
                if (!table.markDoneAfterEffect(tx, namespace, delivery.id(), token, now, policy.lease().toMillis(),
                        now + policy.retention().toMillis())) {
                    throw new DoneMeanwhile();
                }
                return null;
            });
        } catch (HandlerFailure failure) {
            throw failure.cause;
        } catch (DoneMeanwhile doneMeanwhile) {
            LOG.debug("message {} from {} was marked done by another consumer while its effect ran here; this"
                    + " effect is rolled back", delivery.id(), delivery.topic());
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

    /** Rolls the effect back: another transaction committed the message's done mark first. */
    private static final class DoneMeanwhile extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DoneMeanwhile() {
            super(null, null, false, false);
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
