package dev.keel.outbox.jdbc.crash;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.MessageHandler;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.jdbc.JdbcIdempotencyStore;
import dev.keel.dedup.jdbc.JdbcStoreConfig;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.outbox.jdbc.testing.Effects;
import dev.keel.outbox.jdbc.testing.KafkaWire;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A consumer process meant to be killed with kill -9, for {@link InboxConsumerKillTest}. Under
 * EFFECTIVELY_ONCE with the JDBC inbox, it applies each message's effect (a row in the effects table)
 * until {@code blockAfter} messages are through; the last of them blocks after its effect, so the
 * process dies between the effect and the acknowledgement; every later handler call blocks too.
 *
 * <p>Mode {@code transactional}: the effect and the done mark commit in one transaction
 * ({@link JdbcIdempotencyStore#transactional}); the last message blocks after that commit, and later
 * ones block inside their transaction, after their effect and before the commit. Mode {@code plain}:
 * the effect commits on its own and the engine marks the message done after the handler returned, as
 * with the Redis store; the last message blocks after its effect, before the done mark.
 *
 * <p>Arguments: database (POSTGRESQL or MARIADB), table prefix, bootstrap servers, topic, group,
 * blockAfter, lease in milliseconds, mode.
 */
public final class InboxConsumerMain {

    private InboxConsumerMain() {
    }

    public static void main(String[] args) throws Exception {
        TestDatabase db = TestDatabase.valueOf(args[0]);
        String prefix = args[1];
        String bootstrap = args[2];
        String topic = args[3];
        String group = args[4];
        int blockAfter = Integer.parseInt(args[5]);
        Duration lease = Duration.ofMillis(Long.parseLong(args[6]));
        boolean transactional = "transactional".equals(args[7]);

        DataSource dataSource = db.dataSource();
        JdbcIdempotencyStore store = JdbcIdempotencyStore.create(dataSource,
                JdbcStoreConfig.custom().tablePrefix(prefix).build());
        Keel keel = Keel.builder(new KafkaAdapter(KafkaWire.config(bootstrap).build())).idempotencyStore(store).build();
        SubscriptionConfig<String> subscription = subscription(topic, group, lease);
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger handled = new AtomicInteger();
        AtomicBoolean blocking = new AtomicBoolean();
        MessageHandler<String> handler;
        if (transactional) {
            MessageHandler<String> inbox = store.transactional(subscription, (delivery, connection) -> {
                Effects.apply(connection, prefix, delivery.id());
                if (blocking.get()) {
                    System.out.println("blocking inside the transaction of " + delivery.id());
                    never.await();
                }
            });
            handler = delivery -> {
                inbox.handle(delivery);
                if (handled.incrementAndGet() == blockAfter) {
                    blocking.set(true);
                    System.out.println("blocking after the commit of " + delivery.id());
                    never.await();
                }
            };
        } else {
            handler = delivery -> {
                if (blocking.get()) {
                    never.await();
                }
                try (Connection connection = dataSource.getConnection()) {
                    Effects.apply(connection, prefix, delivery.id());
                }
                if (handled.incrementAndGet() == blockAfter) {
                    blocking.set(true);
                    System.out.println("blocking after the effect of " + delivery.id());
                    never.await();
                }
            };
        }
        keel.subscribe(subscription, handler);
        System.out.println("subscribed");
        never.await();
    }

    static SubscriptionConfig<String> subscription(String topic, String group, Duration lease) {
        return SubscriptionConfig.builder(topic, group, Codec.utf8()).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                .idempotencyPolicy(IdempotencyPolicy.custom().lease(lease).build()).build();
    }
}
