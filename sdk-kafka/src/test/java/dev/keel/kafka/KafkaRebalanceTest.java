package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.core.Keel;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.ordering.Ordering;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A second consumer joins the group while the first is busy and messages keep arriving: nothing
 * is lost, no message has its effect twice, and each key's messages are handled in publish order.
 */
@UsesBrokers({BrokerKind.KAFKA, BrokerKind.REDIS})
class KafkaRebalanceTest {

    private static final int KEYS = 12;
    private static final int PER_KEY = 200;
    private static final long WORK_NANOS = TimeUnit.MILLISECONDS.toNanos(5); // simulated handler work

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String storePrefix = UniqueNames.of("dedup");
    private final List<Keel> keels = new ArrayList<>();
    /** The adapters and stores given to {@link #keels}: theirs to close, after the Keels. */
    private final List<AutoCloseable> given = new ArrayList<>();
    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    private final Map<String, List<Integer>> sequenceByKey = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> handledBy = new ConcurrentHashMap<>();

    @AfterEach
    void close() throws Exception {
        keels.forEach(Keel::close);
        for (AutoCloseable resource : given) {
            resource.close();
        }
    }

    private Keel keel() {
        RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom()
                .uri(Brokers.redis().uri()).keyPrefix(storePrefix).build());
        KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
        given.add(adapter);
        given.add(store);
        Keel keel = Keel.builder(adapter).idempotencyStore(store).build();
        keels.add(keel);
        return keel;
    }

    private void subscribe(Keel keel, String name, String topic, String group) {
        keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).ordering(Ordering.PER_KEY).lanes(8).maxInFlight(200)
                .build(), delivery -> {
                    String[] keyAndSequence = delivery.payload().split(":");
                    sequenceByKey.computeIfAbsent(keyAndSequence[0], k -> Collections.synchronizedList(new ArrayList<>()))
                            .add(Integer.parseInt(keyAndSequence[1]));
                    LockSupport.parkNanos(WORK_NANOS);
                    effects.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet();
                    handledBy.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
                });
    }

    @Test
    void aConsumerJoiningUnderLoadShouldLoseNothingDuplicateNoEffectAndKeepPerKeyOrder() throws Exception {
        String topic = KafkaTestSupport.unique("rebalance");
        String group = KafkaTestSupport.unique("group");
        Keel first = keel();
        first.ensureTopology(TopicSpec.builder(topic).partitions(4).build());
        Keel publisherSide = keel();
        subscribe(first, "first", topic, group);

        CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
            for (int seq = 0; seq < PER_KEY; seq++) {
                List<CompletableFuture<?>> batch = new ArrayList<>();
                for (int k = 0; k < KEYS; k++) {
                    String key = "key-" + k;
                    batch.add(publisherSide.publisher().publishAsync(topic, Message.builder(key + ":" + seq, Codec.utf8())
                            .id(key + ":" + seq).key(key).build()).toCompletableFuture());
                }
                batch.forEach(CompletableFuture::join);
            }
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> effects.size() >= KEYS * PER_KEY / 5);

        Keel second = keel();
        subscribe(second, "second", topic, group);

        publishing.get(120, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(180)).until(() -> effects.size() == KEYS * PER_KEY);

        assertThat(handledBy.get("second")).as("the second consumer took over partitions").isNotNull();
        assertThat(handledBy.get("second").get()).isPositive();
        assertThat(effects.entrySet()).allSatisfy(e -> assertThat(e.getValue().get()).as(e.getKey()).isEqualTo(1));
        List<Integer> expected = IntStream.range(0, PER_KEY).boxed().toList();
        for (int k = 0; k < KEYS; k++) {
            assertThat(sequenceByKey.get("key-" + k)).as("handling order of key-%d", k).isEqualTo(expected);
        }
        keels.forEach(Keel::close);
        assertThat(KafkaTestSupport.committed(bootstrap, group).values().stream().mapToLong(Long::longValue).sum())
                .as("every offset committed").isEqualTo(KEYS * PER_KEY);
    }
}
