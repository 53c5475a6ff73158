package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.core.Keel;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.KeelException;
import dev.keel.PublishException;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.retry.RetryPolicy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
            receipts.add(keel.publisher().publish(topic, message));
        }

        List<ConsumerRecord<byte[], byte[]>> got = KafkaTestSupport.readPlainly(bootstrap, topic, 12, WAIT);
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
            assertThat(key).startsWith("customer-");
            assertThat(utf8(r.headers().lastHeader("tenant").value())).isEqualTo("acme");
            assertThat(r.headers().lastHeader(KeelHeaders.KEY)).as("the key travels as the record key").isNull();
            assertThat(r.headers().lastHeader(KeelHeaders.TIMESTAMP)).as("the timestamp as the record's").isNull();
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
            keel.publisher(topic, Codec.utf8()).message("v" + i).id("copied-" + i).key("k" + i).publish();
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

    // ---- binary (non-UTF-8) header values and keys, malformed keel-id: see docs/kafka.md "Interop with plain clients"

    private static final String MARKER = "keel-base64:";
    private static final byte[] BINARY_VALUE = {(byte) 0xFF, 0x00, (byte) 0xC3};
    /** Two keys that both decode to U+FFFD U+FFFD U+0001 when read as UTF-8 with replacement. */
    private static final byte[] KEY_A = {(byte) 0xFF, (byte) 0xFE, 0x01};
    private static final byte[] KEY_B = {(byte) 0xFE, (byte) 0xFE, 0x01};

    private static String marked(byte[] bytes) {
        return MARKER + Base64.getEncoder().encodeToString(bytes);
    }

    private static ProducerRecord<byte[], byte[]> binaryRecord(String topic, byte[] key, String payload) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, key, utf8(payload));
        r.headers().add("trace-bin", BINARY_VALUE);
        r.headers().add("text", utf8("h\u00e9llo"));
        // Kafka allows a header name twice; the last value is the one read, as Kafka's lastHeader reads it
        r.headers().add("tag", utf8("first"));
        r.headers().add("tag", utf8("last"));
        return r;
    }

    @Test
    void binaryHeaderValuesAndKeysFromAPlainProducerShouldArriveAsMarkedBase64AndKeepPerKeyOrder() throws Exception {
        try (KafkaProducer<byte[], byte[]> plain = KafkaTestSupport.plainProducer(bootstrap)) {
            for (int i = 0; i < 10; i++) {
                plain.send(binaryRecord(topic, KEY_A, "a-" + i));
                plain.send(binaryRecord(topic, KEY_B, "b-" + i));
            }
            plain.flush();
        }
        List<Delivery<String>> handled = new CopyOnWriteArrayList<>();

        keel.subscribe(SubscriptionConfig.builder(topic, KafkaTestSupport.unique("g"), Codec.utf8()).build(),
                handled::add);

        await().atMost(WAIT).until(() -> handled.size() >= 20);
        assertThat(marked(BINARY_VALUE)).isEqualTo("keel-base64:/wDD");
        assertThat(handled).allSatisfy(d -> {
            assertThat(d.headers()).containsEntry("trace-bin", "keel-base64:/wDD").containsEntry("text", "h\u00e9llo")
                    .containsEntry("tag", "last");
            assertThat(d.key()).isEqualTo(d.payload().startsWith("a-") ? marked(KEY_A) : marked(KEY_B));
        });
        Map<String, List<String>> payloadsByKey = handled.stream().collect(Collectors.groupingBy(Delivery::key,
                Collectors.mapping(Delivery::payload, Collectors.toList())));
        assertThat(payloadsByKey).containsOnlyKeys(marked(KEY_A), marked(KEY_B));
        for (int i = 0; i < 10; i++) {
            assertThat(payloadsByKey.get(marked(KEY_A)).get(i)).isEqualTo("a-" + i);
            assertThat(payloadsByKey.get(marked(KEY_B)).get(i)).isEqualTo("b-" + i);
        }
    }

    @Test
    void aDeadLetterOfABinaryPlainRecordShouldKeepItsKeyAndHeaderBytes() throws Exception {
        RecordMetadata original;
        try (KafkaProducer<byte[], byte[]> plain = KafkaTestSupport.plainProducer(bootstrap)) {
            original = plain.send(binaryRecord(topic, KEY_A, "poison")).get();
        }

        keel.subscribe(SubscriptionConfig.builder(topic, KafkaTestSupport.unique("g"), Codec.utf8())
                .retryPolicy(RetryPolicy.none()).build(), d -> {
                    throw new IllegalStateException("always fails");
                });

        List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestSupport.readPlainly(bootstrap, topic + ".DLT", 1, WAIT);
        ConsumerRecord<byte[], byte[]> letter = dead.get(0);
        assertThat(letter.key()).isEqualTo(KEY_A);
        assertThat(letter.partition()).as("same key bytes, same partition").isEqualTo(original.partition());
        assertThat(letter.headers().lastHeader("trace-bin").value()).isEqualTo(BINARY_VALUE);
        assertThat(letter.headers().lastHeader(KeelHeaders.KEY)).as("the key travels as the record key").isNull();
        assertThat(letter.timestamp()).as("stamped when dead-lettered").isGreaterThanOrEqualTo(original.timestamp());
        assertThat(utf8(letter.headers().lastHeader(KeelHeaders.TIMESTAMP).value())).as("the original's timestamp")
                .isEqualTo(Long.toString(original.timestamp()));
        assertThat(utf8(letter.headers().lastHeader("text").value())).isEqualTo("h\u00e9llo");
        assertThat(utf8(letter.headers().lastHeader(KeelHeaders.ID).value()))
                .isEqualTo(topic + "-" + original.partition() + "-" + original.offset());
    }

    @Test
    void malformedKeelIdsFromPlainClientsShouldFallBackToTopicPartitionOffsetAndTheConsumerShouldGoOn()
            throws Exception {
        byte[][] malformed = {utf8(""), utf8("   "), {(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0xC3}, utf8(MARKER + "/w==")};
        List<String> expectedIds = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> plain = KafkaTestSupport.plainProducer(bootstrap)) {
            for (int i = 0; i < malformed.length; i++) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, utf8("m" + i), utf8("malformed-" + i));
                r.headers().add(KeelHeaders.ID, malformed[i]);
                RecordMetadata md = plain.send(r).get();
                expectedIds.add(topic + "-" + md.partition() + "-" + md.offset());
            }
        }
        keel.publisher().publishAsync(topic, Message.builder("well-formed", Codec.utf8()).id("after-malformed").build())
                .toCompletableFuture().join();
        expectedIds.add("after-malformed");
        String group = KafkaTestSupport.unique("g");
        Map<String, Integer> calls = new ConcurrentHashMap<>();

        keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8()).build(),
                d -> calls.merge(d.id(), 1, Integer::sum));

        await().atMost(WAIT).until(() -> KafkaTestSupport.committed(bootstrap, group).values().stream()
                .mapToLong(Long::longValue).sum() == malformed.length + 1);
        assertThat(calls.keySet()).containsExactlyInAnyOrderElementsOf(expectedIds);
        assertThat(calls).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    }

    @Test
    void keelHeadersAndKeysShouldRoundTripExactlyAndMarkedValuesReachPlainClientsAsBytes() throws Exception {
        Map<String, String> headers = Map.of("nul-and-emoji", "a\u0000b\uD83D\uDE00", "empty", "", "bin", marked(BINARY_VALUE),
                "latin", "\u00ff\u00fe");
        Message.Builder builder = Message.builder("round-trip", Codec.utf8()).id("rt-1").key(marked(KEY_A));
        headers.forEach(builder::header);
        keel.publisher().publishAsync(topic, builder.build()).toCompletableFuture().join();
        keel.publisher().publishAsync(topic, Message.builder("text-key", Codec.utf8()).id("rt-2").key("\u043a\u043b\u044e\u0447")
                .build()).toCompletableFuture().join();
        Map<String, Delivery<String>> handled = new ConcurrentHashMap<>();

        keel.subscribe(SubscriptionConfig.builder(topic, KafkaTestSupport.unique("g"), Codec.utf8()).build(),
                d -> handled.put(d.id(), d));

        await().atMost(WAIT).until(() -> handled.size() == 2);
        assertThat(handled.get("rt-1").headers()).isEqualTo(headers);
        assertThat(handled.get("rt-1").key()).isEqualTo(marked(KEY_A));
        assertThat(handled.get("rt-2").key()).isEqualTo("\u043a\u043b\u044e\u0447");
        List<ConsumerRecord<byte[], byte[]>> got = KafkaTestSupport.readPlainly(bootstrap, topic, 2, WAIT);
        ConsumerRecord<byte[], byte[]> binary = got.stream()
                .filter(r -> utf8(r.headers().lastHeader(KeelHeaders.ID).value()).equals("rt-1")).findFirst().orElseThrow();
        assertThat(binary.key()).isEqualTo(KEY_A);
        assertThat(binary.headers().lastHeader("bin").value()).isEqualTo(BINARY_VALUE);
        assertThat(utf8(binary.headers().lastHeader("nul-and-emoji").value())).isEqualTo("a\u0000b\uD83D\uDE00");
    }

    @Test
    void aValueThatStartsWithTheMarkerButIsNoCanonicalBinaryShouldBeRefusedWithoutRetry() {
        List<Message> refused = List.of(
                Message.builder("x", Codec.utf8()).id("not-base64").header("h", MARKER + "not base64!").build(),
                Message.builder("x", Codec.utf8()).id("plain-text").header("h", MARKER + "aGk=").build(),
                Message.builder("x", Codec.utf8()).id("key-not-base64").key(MARKER + "%%").build(),
                Message.builder("x", Codec.utf8()).id("lone-surrogate").header("h", "a\uD800b").build(),
                Message.builder("x", Codec.utf8()).id(MARKER + "/w==").build());

        for (Message message : refused) {
            CompletableFuture<?> publish = keel.publisher().publishAsync(topic, message).toCompletableFuture();
            assertThatThrownBy(publish::join).as(message.id()).cause().isInstanceOf(PublishException.class)
                    .hasMessageContaining("Interop with plain clients")
                    .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
        }
        assertThat(keel.publisher().publishAsync(topic, Message.builder("ok", Codec.utf8()).id("fine").build())
                .toCompletableFuture().join().messageId()).isEqualTo("fine");
    }
}
