package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.core.Keel;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.dedup.InMemoryIdempotencyStore;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Keel and plain Kafka clients on the same topics, both ways. */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaInteropTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private KafkaAdapter adapter;
    private InMemoryIdempotencyStore store;
    private Keel keel;
    private String topic;

    @BeforeEach
    void open() {
        adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
        store = new InMemoryIdempotencyStore(); // this test runs one consumer process
        keel = Keel.builder(adapter).idempotencyStore(store).build();
        topic = KafkaTestSupport.unique("interop");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(3).build());
    }

    @AfterEach
    void close() {
        keel.close();
        store.close();
        adapter.close();
    }

    @Test
    void recordsFromAPlainProducerShouldBeHandledWithTopicPartitionOffsetIds() throws Exception {
        Map<String, String> expectedKeyById = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> plain = KafkaTestSupport.plainProducer(bootstrap)) {
            for (int i = 0; i < 30; i++) {
                String key = i % 3 == 0 ? null : "key-" + (i % 5);
                RecordMetadata md = plain.send(new ProducerRecord<>(topic, key == null ? null : utf8(key),
                        utf8("plain-" + i))).get();
                expectedKeyById.put(topic + "-" + md.partition() + "-" + md.offset(), key);
            }
        }
        String group = KafkaTestSupport.unique("g");
        Map<String, Delivery<String>> handled = new ConcurrentHashMap<>();

        Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8()).build(),
                delivery -> handled.put(delivery.id(), delivery));

        await().atMost(WAIT).until(() -> handled.size() == 30);
        assertThat(handled.keySet()).isEqualTo(expectedKeyById.keySet());
        handled.forEach((id, d) -> {
            assertThat(d.key()).isEqualTo(expectedKeyById.get(id));
            assertThat(id).isEqualTo(d.topic() + "-" + d.partition() + "-" + d.position());
            assertThat(d.payload()).startsWith("plain-");
        });
        subscription.close();
        await().atMost(WAIT).until(() -> KafkaTestSupport.committed(bootstrap, group).values().stream()
                .mapToLong(Long::longValue).sum() == 30);
    }

    @Test
    void messagesFromKeelShouldReachAPlainConsumerWithKeyHeadersAndKafkasPartitioning() throws Exception {
        List<PublishReceipt> receipts = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Message message = Message.builder("order-" + i, Codec.utf8()).id("order-" + i + ":created")
                    .key("customer-" + (i % 4)).header("tenant", "acme").build();
            receipts.add(keel.publisher().publish(topic, message).toCompletableFuture().join());
        }

        List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> plain = KafkaTestSupport.plainConsumer(bootstrap,
                KafkaTestSupport.unique("plain"), topic)) {
            await().atMost(WAIT).until(() -> {
                plain.poll(Duration.ofMillis(200)).forEach(got::add);
                return got.size() >= 12;
            });
        }
        assertThat(got).hasSize(12);
        Map<String, Integer> partitionOfKey = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> plain = KafkaTestSupport.plainProducer(bootstrap)) {
            for (int k = 0; k < 4; k++) {
                String key = "customer-" + k;
                partitionOfKey.put(key, plain.send(new ProducerRecord<>(topic, utf8(key), utf8("probe"))).get().partition());
            }
        }
        for (ConsumerRecord<byte[], byte[]> r : got) {
            String id = utf8(r.headers().lastHeader(KeelHeaders.ID).value());
            String key = utf8(r.key());
            assertThat(utf8(r.headers().lastHeader(KeelHeaders.KEY).value())).isEqualTo(key);
            assertThat(utf8(r.headers().lastHeader("tenant").value())).isEqualTo("acme");
            assertThat(r.headers().lastHeader(KeelHeaders.TIMESTAMP)).isNotNull();
            assertThat(utf8(r.value())).isEqualTo(id.substring(0, id.indexOf(':')));
            assertThat(r.partition()).as("partition of %s", key).isEqualTo(partitionOfKey.get(key));
            PublishReceipt receipt = receipts.stream().filter(x -> x.messageId().equals(id)).findFirst().orElseThrow();
            assertThat(receipt.partition()).isEqualTo(String.valueOf(r.partition()));
            assertThat(receipt.offset()).isEqualTo(r.offset());
        }
    }

    @Test
    void aCopyWrittenByAPlainProducerWithTheSameKeelIdShouldBeHandledOnce() throws Exception {
        String group = KafkaTestSupport.unique("g");
        Map<String, Integer> calls = new ConcurrentHashMap<>();
        keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8()).build(),
                delivery -> calls.merge(delivery.id(), 1, Integer::sum));
        for (int i = 0; i < 10; i++) {
            keel.publisher().publish(topic, Message.builder("v" + i, Codec.utf8()).id("copied-" + i).key("k" + i)
                    .build()).toCompletableFuture().join();
        }
        try (KafkaProducer<byte[], byte[]> plain = KafkaTestSupport.plainProducer(bootstrap)) {
            for (int i = 0; i < 10; i++) { // what a producer retry outside Keel, or a replay tool, would write
                ProducerRecord<byte[], byte[]> copy = new ProducerRecord<>(topic, utf8("k" + i), utf8("v" + i));
                copy.headers().add(KeelHeaders.ID, utf8("copied-" + i));
                plain.send(copy).get();
            }
        }

        await().atMost(WAIT).until(() -> KafkaTestSupport.committed(bootstrap, group).values().stream()
                .mapToLong(Long::longValue).sum() == 20);
        assertThat(calls).hasSize(10).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    }
}
