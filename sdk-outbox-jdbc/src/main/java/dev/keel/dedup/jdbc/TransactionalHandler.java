package dev.keel.dedup.jdbc;

import dev.keel.Delivery;
import java.sql.Connection;

/**
 * Application code that applies a delivery's effect to the database on the connection it is given,
 * inside the transaction that also marks the message done in the inbox: the effect and the done mark
 * commit together or not at all. Do not commit, roll back or close the connection; throw to roll the
 * effect back (the message is then retried as the subscription's retry policy says). The transaction runs
 * at READ COMMITTED. It locks the message's inbox row only after this method returned (the done mark, then
 * the commit), so a long handler holds back no lease renewal or claim; the locks your own statements take
 * are held until the commit, as in any transaction.
 *
 * <p>Get a {@link dev.keel.MessageHandler} for it from
 * {@link JdbcIdempotencyStore#transactional(dev.keel.SubscriptionConfig, TransactionalHandler)}.
 */
@FunctionalInterface
public interface TransactionalHandler<T> {
    void handle(Delivery<T> delivery, Connection connection) throws Exception;
}
