package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelInterceptor;
import dev.keel.MessageHandler;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryPolicy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * User code that throws a plain {@code Throwable} (neither an {@code Exception} nor an {@code Error}: Kotlin's
 * {@code throw Throwable()}, a sneaky throw) on Kafka with the Redis store: an interceptor's, after the handler
 * returned, is the interceptor's failure (counted, ignored: the message is acknowledged, not dead-lettered); a
 * handler's gets its retries like an exception.
 */
@UsesBrokers({BrokerKind.KAFKA, BrokerKind.REDIS})
class KafkaPlainThrowableTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String topic = KafkaTestSupport.unique("throwable");
    private final String group = KafkaTestSupport.unique("group");
    private final RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom()
            .uri(Brokers.redis().uri()).keyPrefix(UniqueNames.of("dedup")).build());
    private final KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    @AfterEach
    void close() {
        store.close();
        adapter.close();
    }

    @Test
    void anInterceptorsPlainThrowableAfterTheHandlerReturnedShouldBeCountedAndTheMessageAcknowledgedNotDeadLettered()
            throws Exception {
        KeelInterceptor failingAfter = new KeelInterceptor() {
            @Override
            public <T> MessageHandler<T> interceptHandler(SubscriptionConfig<T> config, MessageHandler<T> handler) {
                return delivery -> {
                    handler.handle(delivery);
                    if (delivery.id().equals("m1")) {
                        throw Sneaky.<RuntimeException>raise(new PlainThrowable("the tracer failed to end its span"));
                    }
                };
            }
        };
        try (Keel keel = Keel.builder(adapter).idempotencyStore(store).interceptor(failingAfter).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).group(group).build());
            keel.subscribe(config(), d -> calls.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet());
            publish(keel, "m1", "m2");

            await().atMost(PATIENCE).until(() -> KafkaTestSupport.committed(bootstrap, group).getOrDefault(0, 0L) == 2);
            assertThat(calls).as("handler calls").containsOnlyKeys("m1", "m2")
                    .allSatisfy((id, n) -> assertThat(n.get()).as(id).isEqualTo(1));
            assertThat(keel.extensionFailures()).as("the interceptor's failure, counted").isEqualTo(1);
        }
        assertThat(KafkaTestSupport.endOffsets(bootstrap, topic + ".DLT").values()).as("dead letters")
                .isNotEmpty().containsOnly(0L);
    }

    @Test
    void aHandlersPlainThrowableShouldGetItsRetriesLikeAnException() throws Exception {
        try (Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(1).group(group).build());
            keel.subscribe(config(), d -> {
                if (calls.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet() == 1) {
                    throw Sneaky.<RuntimeException>raise(new PlainThrowable("not yet"));
                }
            });
            publish(keel, "m1");

            await().atMost(PATIENCE).until(() -> KafkaTestSupport.committed(bootstrap, group).getOrDefault(0, 0L) == 1);
            assertThat(calls.get("m1")).as("attempts: the first failed, the retry succeeded").hasValue(2);
        }
        assertThat(KafkaTestSupport.endOffsets(bootstrap, topic + ".DLT").values()).as("dead letters")
                .isNotEmpty().containsOnly(0L);
    }

    private void publish(Keel keel, String... ids) {
        for (String id : ids) {
            keel.publisher(topic, Codec.utf8()).message("m").id(id).key("k").publish();
        }
    }

    private SubscriptionConfig<String> config() {
        return SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).ordering(Ordering.PER_KEY).lanes(1)
                .retryPolicy(RetryPolicy.custom().maxAttempts(2).initialBackoff(Duration.ofMillis(10)).build())
                .build();
    }

    /** What Kotlin's {@code throw Throwable("...")} or a sneaky throw produces: neither an Exception nor an Error. */
    private static final class PlainThrowable extends Throwable {
        private static final long serialVersionUID = 1L;

        PlainThrowable(String message) {
            super(message);
        }
    }

    /** Throws a checked throwable where the signature does not declare it, as Kotlin and Lombok's @SneakyThrows do. */
    private static final class Sneaky {
        private Sneaky() {
        }

        @SuppressWarnings("unchecked")
        static <E extends Throwable> E raise(Throwable t) throws E {
            throw (E) t;
        }
    }
}
