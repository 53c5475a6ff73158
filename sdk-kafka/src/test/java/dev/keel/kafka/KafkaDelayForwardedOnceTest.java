package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A delay forwarder remembers what it forwarded behind a record not yet due, across restarts and rebalances
 * (docs/kafka.md, "Delayed delivery"): each delayed message reaches its topic once, counted with a plain consumer,
 * and is handled once even when the idempotency store no longer remembers it.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaDelayForwardedOnceTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration SHORT = Duration.ofMillis(300);
    private static final Duration LONG = Duration.ofHours(1);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final List<KafkaAdapter> adapters = new ArrayList<>();
    private final List<BrokerConsumer> consumers = new ArrayList<>();
    private String topic;

    @BeforeEach
    void open() {
        topic = KafkaTestSupport.unique("once");
    }

    @AfterEach
    void close() {
        consumers.forEach(c -> c.close().toCompletableFuture().join());
        adapters.forEach(KafkaAdapter::close);
    }

    @Test
    void aForwarderJoiningLeavingOrResubscribingShouldNotForwardAgainWhatItForwardedBehindALongDelay()
            throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        KafkaAdapter publishing = adapter();
        publish(publishing, "head", LONG);
        for (int i = 1; i <= 5; i++) {
            publish(publishing, "short-" + i, SHORT);
        }
        KafkaAdapter first = adapter();
        BrokerConsumer firstConsumer = start(first);
        try (KafkaConsumer<byte[], byte[]> target = KafkaTestSupport.plainConsumer(bootstrap,
                KafkaTestSupport.unique("count"), topic)) {
            Map<String, Integer> copies = new TreeMap<>();
            awaitCopy(target, copies, "short-5");

            KafkaAdapter second = adapter();
            start(second); // a second instance joins the forwarder group
            publish(publishing, "after-join", SHORT);
            awaitCopy(target, copies, "after-join");
            try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
                String group = "keel-delay-" + topic;
                ConsumerGroupDescription[] forwarders = new ConsumerGroupDescription[1];
                await().atMost(WAIT).until(() -> {
                    forwarders[0] = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                    return forwarders[0].groupState() == GroupState.STABLE && forwarders[0].members().size() == 2;
                });
                assertThat(forwarders[0].partitionAssignor()).as("a joining member moves only what changes owner")
                        .isEqualTo("cooperative-sticky");
            }

            firstConsumer.close().toCompletableFuture().join(); // the first leaves: the second takes its partition
            consumers.remove(firstConsumer);
            publish(publishing, "after-leave", SHORT);
            awaitCopy(target, copies, "after-leave");

            BrokerConsumer secondConsumer = consumers.remove(0);
            secondConsumer.close().toCompletableFuture().join(); // close and subscribe again
            start(second);
            publish(publishing, "after-resubscribe", SHORT);
            awaitCopy(target, copies, "after-resubscribe");

            assertThat(copies).as("forwarded copies per message in the topic").isEqualTo(Map.of("short-1", 1,
                    "short-2", 1, "short-3", 1, "short-4", 1, "short-5", 1, "after-join", 1, "after-leave", 1,
                    "after-resubscribe", 1));
        }
    }

    @Test
    void partitionsMovingBetweenThreeForwardersShouldLeaveOneCopyOfEachMessage() throws Exception {
        int partitions = 3;
        KafkaTestSupport.createTopic(bootstrap, topic, partitions);
        List<String> keys = keysOfEachPartition(partitions);
        KafkaAdapter publishing = adapter();
        for (String key : keys) {
            publish(publishing, key + "-head", key, LONG);
            for (int i = 1; i <= 3; i++) {
                publish(publishing, key + "-short-" + i, key, SHORT);
            }
        }
        BrokerConsumer first = start(adapter());
        try (KafkaConsumer<byte[], byte[]> target = KafkaTestSupport.plainConsumer(bootstrap,
                KafkaTestSupport.unique("count"), topic)) {
            Map<String, Integer> copies = new TreeMap<>();
            for (String key : keys) {
                awaitCopy(target, copies, key + "-short-3");
            }

            BrokerConsumer second = start(adapter()); // joins: takes partitions the first commits and gives up
            await().atMost(WAIT).until(() -> forwarderMembersWithPartitions() == 2);
            sentinels(publishing, target, copies, keys, "join-2");
            start(adapter());
            await().atMost(WAIT).until(() -> forwarderMembersWithPartitions() == 3);
            sentinels(publishing, target, copies, keys, "join-3");
            first.close().toCompletableFuture().join();
            consumers.remove(first);
            sentinels(publishing, target, copies, keys, "leave-1");
            second.close().toCompletableFuture().join();
            consumers.remove(second);
            sentinels(publishing, target, copies, keys, "leave-2");

            assertThat(copies.values()).as("forwarded copies per message in the topic: %s", copies).containsOnly(1);
            assertThat(copies).as("3 short ones and 4 sentinels per key, no head").hasSize(keys.size() * (3 + 4))
                    .doesNotContainKeys(keys.stream().map(k -> k + "-head").toArray(String[]::new));
        }
    }

    @Test
    void aMessageForwardedBehindALongDelayShouldBeHandledOnceAfterAResubscribeEvenPastTheIdempotencyRetention()
            throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        ShiftedClock storeClock = new ShiftedClock();
        KafkaAdapter adapter = adapter();
        try (InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(storeClock);
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            keel.publisher().publish(topic, Message.builder("head", Codec.utf8()).id("head").key("k").delay(LONG)
                    .build());
            for (int i = 1; i <= 3; i++) {
                keel.publisher().publish(topic, Message.builder("m", Codec.utf8()).id("m-" + i).key("k").delay(SHORT)
                        .build());
            }
            Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
            SubscriptionConfig<String> config = SubscriptionConfig.builder(topic, KafkaTestSupport.unique("g"),
                    Codec.utf8()).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                    .idempotencyPolicy(IdempotencyPolicy.custom().lease(Duration.ofSeconds(1))
                            .storeRetryInterval(Duration.ofMillis(100)).retention(Duration.ofSeconds(1)).build())
                    .build();
            Subscription first = keel.subscribe(config, d -> runs.computeIfAbsent(d.id(), id -> new AtomicInteger())
                    .incrementAndGet());
            await().atMost(WAIT).until(() -> runs.containsKey("m-3"));
            first.close();
            storeClock.shift(Duration.ofHours(2)); // the store has forgotten the ids (retention shorter than LONG)

            Subscription again = keel.subscribe(config, d -> runs.computeIfAbsent(d.id(), id -> new AtomicInteger())
                    .incrementAndGet());
            keel.publisher().publish(topic, Message.builder("m", Codec.utf8()).id("sentinel").key("k").delay(SHORT)
                    .build());
            await().atMost(WAIT).until(() -> runs.containsKey("sentinel"));
            again.close();

            Map<String, Integer> counts = new TreeMap<>();
            runs.forEach((id, n) -> counts.put(id, n.get()));
            assertThat(counts).as("handler runs per message (one key, so in offset order)")
                    .isEqualTo(Map.of("m-1", 1, "m-2", 1, "m-3", 1, "sentinel", 1));
        }
    }

    /** Reads the topic until {@code id} came, counting each message's copies. */
    private static void awaitCopy(KafkaConsumer<byte[], byte[]> target, Map<String, Integer> copies, String id) {
        await().atMost(WAIT).until(() -> {
            for (ConsumerRecord<byte[], byte[]> r : target.poll(Duration.ofMillis(200))) {
                copies.merge(utf8(r.headers().lastHeader(KeelHeaders.ID).value()), 1, Integer::sum);
            }
            return copies.containsKey(id);
        });
    }

    /** Publishes one short-delayed sentinel per key and reads the topic until all came. */
    private void sentinels(KafkaAdapter publishing, KafkaConsumer<byte[], byte[]> target, Map<String, Integer> copies,
                           List<String> keys, String phase) {
        for (String key : keys) {
            publish(publishing, key + "-" + phase, key, SHORT);
        }
        for (String key : keys) {
            awaitCopy(target, copies, key + "-" + phase);
        }
    }

    /** Members of the forwarder group that own partitions, as the broker sees them. */
    private long forwarderMembersWithPartitions() throws Exception {
        String group = "keel-delay-" + topic;
        try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
            return admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().stream()
                    .filter(m -> !m.assignment().topicPartitions().isEmpty()).count();
        }
    }

    /** A key for each partition of a topic with {@code partitions} partitions (Kafka's default partitioner). */
    private static List<String> keysOfEachPartition(int partitions) {
        String[] keys = new String[partitions];
        int found = 0;
        for (int i = 0; found < partitions; i++) {
            String key = "key-" + i;
            int partition = Utils.toPositive(Utils.murmur2(utf8(key))) % partitions;
            if (keys[partition] == null) {
                keys[partition] = key;
                found++;
            }
        }
        return List.of(keys);
    }

    private void publish(KafkaAdapter adapter, String id, Duration delay) {
        publish(adapter, id, "k", delay);
    }

    private void publish(KafkaAdapter adapter, String id, String key, Duration delay) {
        Instant due = Instant.now().plus(delay);
        adapter.producer().send(new OutboundRecord(topic, id, key, Map.of(KeelHeaders.ID, id,
                KeelHeaders.DELIVER_AT, Long.toString(due.toEpochMilli())), utf8(id), Instant.now(), due))
                .toCompletableFuture().join();
    }

    private KafkaAdapter adapter() {
        KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
        adapters.add(adapter);
        return adapter;
    }

    private BrokerConsumer start(KafkaAdapter adapter) {
        BrokerConsumer consumer = adapter.consumer(new ConsumerSettings(topic, KafkaTestSupport.unique("g"), 100,
                Duration.ofSeconds(5)));
        consumers.add(consumer);
        consumer.start(new RecordingSink());
        return consumer;
    }

    /** The system clock shifted by what the test says: the store's time passes without waiting. */
    private static final class ShiftedClock extends Clock {
        private final AtomicReference<Duration> shift = new AtomicReference<>(Duration.ZERO);

        void shift(Duration by) {
            shift.updateAndGet(d -> d.plus(by));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(shift.get());
        }
    }
}
