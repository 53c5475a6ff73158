package dev.keel.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.NonRetriableException;
import dev.keel.KeelHeaders;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.kafka.KafkaConfig;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The README quick start as a new user writes it, using only public packages (sdk-api, sdk-core,
 * an adapter, sdk-dedup-redis): confirmed typed publishes, an EFFECTIVELY_ONCE subscription, and
 * dead letters in the default dead-letter topic that nobody declared by hand. Each message is
 * published twice (a producer retry): its effect happens once, and an invalid one is dead-lettered
 * once. On real Kafka and real RabbitMQ,
 * with real Redis.
 */
@UsesBrokers({BrokerKind.KAFKA, BrokerKind.RABBIT, BrokerKind.REDIS})
class QuickStartOnRealBrokersTest {

    private static final int ORDERS = 40;
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @Test
    void quickStartShouldWorkOnKafka() throws Exception {
        runQuickStart(() -> new KafkaAdapter(KafkaConfig.custom().bootstrapServers(Brokers.kafka().bootstrapServers()).build()));
    }

    @Test
    void quickStartShouldWorkOnRabbitMq() throws Exception {
        runQuickStart(() -> new RabbitAdapter(RabbitConfig.custom().uri(Brokers.rabbit().uri()).build()));
    }

    private static void runQuickStart(Supplier<BrokerAdapter> adapters) throws Exception {
        String orders = UniqueNames.of("orders");
        Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
        Map<String, String> deadLetters = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> deadLetterCopies = new ConcurrentHashMap<>();

        try (BrokerAdapter broker = adapters.get();
             RedisIdempotencyStore redis = RedisIdempotencyStore.create(RedisStoreConfig.custom()
                     .uri(Brokers.redis().uri()).keyPrefix(UniqueNames.of("quickstart")).build());
             Keel keel = Keel.builder(broker).idempotencyStore(redis).build()) {
            keel.ensureTopology(TopicSpec.builder(orders).partitions(4).group("billing").build());
            // no dead-letter topic declared: the subscription ensures <orders>.DLT for its group

            keel.subscribe(SubscriptionConfig.builder(orders, "billing", Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).lanes(8).build(), delivery -> {
                        if (delivery.payload().startsWith("invalid")) {
                            throw new NonRetriableException("order " + delivery.id() + " fails validation");
                        }
                        effects.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet();
                    });
            keel.subscribe(SubscriptionConfig.builder(orders + ".DLT", "billing", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).deadLetterPolicy(DeadLetterPolicy.none()).build(),
                    delivery -> {
                        deadLetters.put(delivery.id(),
                                delivery.keelHeaders().getOrDefault(KeelHeaders.DLT_CAUSE_CLASS, "?"));
                        deadLetterCopies.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet();
                    });

            TypedPublisher<String> publisher = keel.publisher(orders, Codec.utf8());
            for (int i = 0; i < ORDERS; i++) {
                String payload = (i % 10 == 9 ? "invalid " : "order ") + i;
                for (int copy = 0; copy < 2; copy++) { // the same id twice: what a producer retry does
                    publisher.message(payload).id("order-" + i + ":created").key("customer-" + (i % 7)).publish();
                }
            }

            await("every valid order applied").atMost(PATIENCE).until(() -> effects.size() == ORDERS - ORDERS / 10);
            await("every invalid order dead-lettered").atMost(PATIENCE)
                    .until(() -> deadLetters.size() == ORDERS / 10);
        }
        assertThat(effects.values()).as("each order's effect exactly once").allMatch(n -> n.get() == 1);
        assertThat(deadLetters.values()).containsOnly(NonRetriableException.class.getName());
        assertThat(deadLetterCopies.values()).as("one dead letter per invalid order, though each was published twice")
                .allMatch(n -> n.get() == 1);
    }
}
