package dev.keel.outbox.jdbc.crash;

import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.core.Keel;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.outbox.jdbc.OutboxConfig;
import dev.keel.outbox.jdbc.OutboxRelay;
import dev.keel.outbox.jdbc.testing.KafkaWire;
import dev.keel.outbox.jdbc.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A relay process meant to be killed with kill -9, for {@link RelayKillTest}: it publishes the outbox
 * through a real Kafka publisher, but once the broker has confirmed {@code confirmsBeforeWithholding}
 * messages it keeps every later confirmation from the relay. So its round stays open with messages
 * on the wire whose rows it has not deleted: the state a relay crash between the broker's confirm and
 * the delete's commit leaves behind.
 *
 * <p>Arguments: database (POSTGRESQL or MARIADB), table prefix, bootstrap servers, confirmsBeforeWithholding.
 */
public final class WithholdingRelayMain {

    private WithholdingRelayMain() {
    }

    public static void main(String[] args) throws Exception {
        TestDatabase db = TestDatabase.valueOf(args[0]);
        String prefix = args[1];
        String bootstrap = args[2];
        int confirmsBeforeWithholding = Integer.parseInt(args[3]);

        Keel keel = Keel.builder(new KafkaAdapter(KafkaWire.config(bootstrap).build())).withoutIdempotencyStore()
                .publisherConfig(PublisherConfig.custom().sequentialPerKey(true).build()).build();
        Publisher withholding = new Withholding(keel.publisher(), confirmsBeforeWithholding);
        OutboxRelay relay = OutboxRelay.create(db.dataSource(), withholding, OutboxConfig.custom().tablePrefix(prefix)
                .confirmTimeout(Duration.ofHours(1)).build());
        System.out.println("relaying");
        relay.publishPending();
    }

    /** Passes publishes through, and withholds every confirmation after the first {@code limit}. */
    private static final class Withholding implements Publisher {
        private final Publisher delegate;
        private final int limit;
        private final AtomicInteger confirmed = new AtomicInteger();

        Withholding(Publisher delegate, int limit) {
            this.delegate = delegate;
            this.limit = limit;
        }

        @Override
        public CompletionStage<PublishReceipt> publishAsync(String topic, Message message) {
            return delegate.publishAsync(topic, message).thenCompose(receipt -> {
                int n = confirmed.incrementAndGet();
                if (n <= limit) {
                    return CompletableFuture.completedFuture(receipt);
                }
                if (n == limit + 1) {
                    System.out.println("withholding confirmations after " + limit);
                }
                return new CompletableFuture<>();
            });
        }

        @Override
        public CompletionStage<List<PublishReceipt>> publishAllAsync(String topic, List<Message> messages) {
            throw new UnsupportedOperationException("the relay publishes one by one, pipelined");
        }

        @Override
        public CompletionStage<Void> closeAsync() {
            return delegate.closeAsync();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
