package dev.keel.rocket;

import dev.keel.Codec;
import dev.keel.Message;
import java.sql.Connection;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * A producer process for {@link RocketTransactionalPublishTest}, meant to be killed with kill -9 after
 * the half messages and before their outcomes: two threads publish a transactional message each; the
 * first commits its order row and then blocks, the second inserts its row, leaves its transaction open
 * and blocks. Its own checker never decides ({@code UNKNOWN}), so only the surviving producer of the
 * group can settle them.
 *
 * <p>Arguments: name server, producer group, topic, orders table, the committing message's id, the
 * uncommitted message's id.
 */
public final class TransactionVictimMain {

    private TransactionVictimMain() {
    }

    public static void main(String[] args) throws Exception {
        String nameServer = args[0];
        String group = args[1];
        String topic = args[2];
        OrdersTable orders = OrdersTable.named(args[3]);
        String committedId = args[4];
        String uncommittedId = args[5];
        CountDownLatch never = new CountDownLatch(1);
        RocketAdapter adapter = new RocketAdapter(RocketConfig.custom().nameServer(nameServer).clientId("victim").build());
        TransactionalPublisher publisher = adapter.transactionalPublisher(group, Set.of(topic),
                half -> TransactionOutcome.UNKNOWN);
        Thread committing = new Thread(() -> publisher.publish(topic, Message.builder("paid", Codec.utf8())
                .id(committedId).build(), half -> {
                    try (Connection c = OrdersTable.begin()) {
                        orders.insert(c, "order-" + committedId, half.id());
                        c.commit();
                    }
                    System.out.println("committed " + half.id());
                    never.await();
                    return TransactionOutcome.COMMIT;
                }), "committing");
        Thread uncommitted = new Thread(() -> publisher.publish(topic, Message.builder("unpaid", Codec.utf8())
                .id(uncommittedId).build(), half -> {
                    Connection c = OrdersTable.begin();
                    orders.insert(c, "order-" + uncommittedId, half.id());
                    System.out.println("uncommitted " + half.id());
                    never.await();
                    c.commit();
                    return TransactionOutcome.COMMIT;
                }), "uncommitted");
        committing.start();
        uncommitted.start();
        never.await();
    }
}
