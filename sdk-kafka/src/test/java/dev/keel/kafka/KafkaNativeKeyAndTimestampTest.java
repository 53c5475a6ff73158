package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Keel key and timestamp travel as Kafka's record key and record timestamp, not as {@code keel-key} /
 * {@code keel-ts} headers; records of earlier Keel versions, which carry those headers, read as before.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaNativeKeyAndTimestampTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** A publish time well in the past, set by the application, so that it cannot be mistaken for "now". */
    private static final Instant PUBLISHED = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private KafkaAdapter adapter;
    private InMemoryIdempotencyStore store;
    private Keel keel;
    private String topic;

    @BeforeEach
    void open() {
        adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
        store = new InMemoryIdempotencyStore();
        keel = Keel.builder(adapter).idempotencyStore(store).build();
        topic = KafkaTestSupport.unique("native");
    }

    @AfterEach
    void close() {
        keel.close();
        store.close();
        adapter.close();
    }

    @Test
    void aKeelRecordShouldCarryItsKeyAndTimestampNativelyAndNoKeelKeyOrTsHeader() {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(3).build());
        for (int i = 0; i < 6; i++) {
            keel.publisher().publish(topic, Message.builder("v" + i, Codec.utf8()).id("m-" + i).key("k-" + (i % 3))
                    .timestamp(PUBLISHED.plusMillis(i)).header("app", "x").build());
        }

        for (ConsumerRecord<byte[], byte[]> r : readPlainly(topic, 6)) {
            String id = utf8(r.headers().lastHeader(KeelHeaders.ID).value());
            int i = Integer.parseInt(id.substring(2));
            assertThat(utf8(r.key())).isEqualTo("k-" + (i % 3));
            assertThat(r.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
            assertThat(r.timestamp()).isEqualTo(PUBLISHED.plusMillis(i).toEpochMilli());
            assertThat(r.headers().lastHeader(KeelHeaders.KEY)).as("keel-key header").isNull();
            assertThat(r.headers().lastHeader(KeelHeaders.TIMESTAMP)).as("keel-ts header").isNull();
            assertThat(utf8(r.headers().lastHeader("app").value())).isEqualTo("x");
        }
        for (Delivery<String> d : consume(topic, 6).values()) {
            int i = Integer.parseInt(d.id().substring(2));
            assertThat(d.key()).isEqualTo("k-" + (i % 3));
            assertThat(d.message().timestamp()).isEqualTo(PUBLISHED.plusMillis(i));
            assertThat(d.keelHeaders()).containsOnlyKeys(KeelHeaders.ID);
            assertThat(d.headers()).containsExactly(Map.entry("app", "x"));
        }
    }

    @Test
    void aRecordOfAnEarlierKeelShouldBeDeliveredWithItsRecordKeyAndTheTimestampOfItsKeelTsHeader() throws Exception {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(3).build());
        // as an earlier Keel wrote it: key and keel-key agree; a forwarded delayed message's keel-ts held its
        // publish time while its record timestamp was the forward time
        long forwardedAt = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> plain = KafkaTestSupport.plainProducer(bootstrap)) {
            ProducerRecord<byte[], byte[]> old = new ProducerRecord<>(topic, null, forwardedAt, utf8("order-7"),
                    utf8("old"));
            old.headers().add(KeelHeaders.ID, utf8("old-1")).add(KeelHeaders.KEY, utf8("order-7"))
                    .add(KeelHeaders.TIMESTAMP, utf8(Long.toString(PUBLISHED.toEpochMilli())));
            plain.send(old).get();
            ProducerRecord<byte[], byte[]> malformedTs = new ProducerRecord<>(topic, null, forwardedAt, utf8("order-8"),
                    utf8("old"));
            malformedTs.headers().add(KeelHeaders.ID, utf8("old-2")).add(KeelHeaders.KEY, utf8("order-8"))
                    .add(KeelHeaders.TIMESTAMP, utf8("not a number"));
            plain.send(malformedTs).get();
        }

        Map<String, Delivery<String>> handled = consume(topic, 2);

        Delivery<String> old = handled.get("old-1");
        assertThat(old.key()).isEqualTo("order-7");
        assertThat(old.message().timestamp()).as("keel-ts wins").isEqualTo(PUBLISHED);
        assertThat(old.keelHeaders()).containsEntry(KeelHeaders.KEY, "order-7")
                .containsEntry(KeelHeaders.TIMESTAMP, Long.toString(PUBLISHED.toEpochMilli()));
        Delivery<String> malformed = handled.get("old-2");
        assertThat(malformed.key()).isEqualTo("order-8");
        assertThat(malformed.message().timestamp()).as("an unreadable keel-ts falls back to the record's")
                .isEqualTo(Instant.ofEpochMilli(forwardedAt));
    }

    @Test
    void aKeylessMessageShouldRoundTripWithANullKeyAsBefore() {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(3).build());
        for (int i = 0; i < 5; i++) {
            keel.publisher().publish(topic, Message.builder("v" + i, Codec.utf8()).id("n-" + i)
                    .timestamp(PUBLISHED).build());
        }

        for (ConsumerRecord<byte[], byte[]> r : readPlainly(topic, 5)) {
            assertThat(r.key()).as("no record key: Kafka's partitioner spreads keyless records").isNull();
            assertThat(r.timestamp()).isEqualTo(PUBLISHED.toEpochMilli());
            assertThat(r.headers().lastHeader(KeelHeaders.KEY)).isNull();
            assertThat(r.headers().lastHeader(KeelHeaders.TIMESTAMP)).isNull();
        }
        Map<String, Delivery<String>> handled = consume(topic, 5);
        assertThat(handled.keySet()).containsExactlyInAnyOrder("n-0", "n-1", "n-2", "n-3", "n-4");
        handled.values().forEach(d -> {
            assertThat(d.key()).isNull();
            assertThat(d.message().timestamp()).isEqualTo(PUBLISHED);
        });
    }

    @Test
    void aDelayedMessageShouldKeepItsPublishTimestampThroughTheDelayTopic() {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        Map<String, Delivery<String>> handled = new ConcurrentHashMap<>();
        Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, KafkaTestSupport.unique("g"),
                Codec.utf8()).build(), d -> handled.put(d.id(), d));
        keel.publisher().publish(topic, Message.builder("later", Codec.utf8()).id("d-1").key("k")
                .timestamp(PUBLISHED).delay(Duration.ofMillis(300)).build());

        await().atMost(WAIT).until(() -> handled.containsKey("d-1"));
        subscription.close();
        Delivery<String> d = handled.get("d-1");
        assertThat(d.key()).isEqualTo("k");
        assertThat(d.message().timestamp()).as("the publish time, not the forward time").isEqualTo(PUBLISHED);
        assertThat(d.keelHeaders()).doesNotContainKey(KeelHeaders.KEY)
                .as("the forward carries the publish time").containsEntry(KeelHeaders.TIMESTAMP,
                        Long.toString(PUBLISHED.toEpochMilli()));
    }

    @Test
    void aDelayedMessageShouldBeForwardedWithTheForwardTimeSoATopicRefusingOldTimestampsTakesIt() throws Exception {
        // the topic refuses records more than 10 minutes older than the broker's clock; the message was published
        // (by its timestamp) an hour ago, so a forward stamped with the publish time would be refused for ever
        createTopic(2, Map.of("message.timestamp.before.max.ms", "600000"));
        long before = System.currentTimeMillis();
        Map<String, Delivery<String>> handled = new ConcurrentHashMap<>();
        Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, KafkaTestSupport.unique("g"),
                Codec.utf8()).build(), d -> handled.put(d.id(), d));
        keel.publisher().publish(topic, Message.builder("later", Codec.utf8()).id("d-2").key("k")
                .timestamp(PUBLISHED).delay(Duration.ofMillis(300)).build());

        await().atMost(WAIT).until(() -> handled.containsKey("d-2"));
        subscription.close();
        assertThat(handled.get("d-2").message().timestamp()).as("delivered with its publish time").isEqualTo(PUBLISHED);
        ConsumerRecord<byte[], byte[]> forwarded = readPlainly(topic, 1).get(0);
        assertThat(forwarded.timestamp()).as("stamped when forwarded").isGreaterThanOrEqualTo(before);
        assertThat(utf8(forwarded.headers().lastHeader(KeelHeaders.TIMESTAMP).value()))
                .isEqualTo(Long.toString(PUBLISHED.toEpochMilli()));
    }

    @Test
    void aDelayedMessageWithAnOldTimestampShouldBeStoredInTheDelayTopicWithThePublishTimeSoRetentionCannotDeleteIt() {
        // an event time older than the delay topic's 7-day retention: a delay-topic record stamped with it would be
        // deleted by the next retention check, before it is due (confirmed, never delivered)
        Instant eventTime = Instant.now().minus(Duration.ofDays(8)).truncatedTo(ChronoUnit.MILLIS);
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        long before = System.currentTimeMillis();
        keel.publisher().publish(topic, Message.builder("old event", Codec.utf8()).id("old-1").key("k")
                .timestamp(eventTime).delay(Duration.ofSeconds(2)).build());

        ConsumerRecord<byte[], byte[]> waiting = readPlainly(topic + ".keel-delay", 1).get(0);
        assertThat(waiting.timestamp()).as("the delay-topic record is stamped with the time of the delayed publish")
                .isGreaterThanOrEqualTo(before);
        assertThat(utf8(waiting.headers().lastHeader(KeelHeaders.TIMESTAMP).value()))
                .as("the message's own timestamp travels as keel-ts").isEqualTo(Long.toString(eventTime.toEpochMilli()));
        assertThat(consume(topic, 1).get("old-1").message().timestamp()).as("delivered with its own timestamp")
                .isEqualTo(eventTime);
    }

    @Test
    void onALogAppendTimeTopicTheTimestampShouldBeTheBrokersAppendTime() throws Exception {
        createTopic(1, Map.of("message.timestamp.type", "LogAppendTime"));
        long before = System.currentTimeMillis();
        keel.publisher().publish(topic, Message.builder("v", Codec.utf8()).id("a-1").key("k")
                .timestamp(PUBLISHED).build());

        Delivery<String> d = consume(topic, 1).get("a-1");
        assertThat(d.message().timestamp()).as("the append time, not the one the message was published with")
                .isAfterOrEqualTo(Instant.ofEpochMilli(before - 1_000)).isNotEqualTo(PUBLISHED);
    }

    private void createTopic(int partitions, Map<String, String> configs) throws Exception {
        try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get();
        }
    }

    private List<ConsumerRecord<byte[], byte[]>> readPlainly(String from, int count) {
        List<ConsumerRecord<byte[], byte[]>> got = KafkaTestSupport.readPlainly(bootstrap, from, count, WAIT);
        assertThat(got).hasSize(count);
        return got;
    }

    private Map<String, Delivery<String>> consume(String from, int count) {
        Map<String, Delivery<String>> handled = new ConcurrentHashMap<>();
        Subscription subscription = keel.subscribe(SubscriptionConfig.builder(from, KafkaTestSupport.unique("g"),
                Codec.utf8()).build(), d -> handled.put(d.id(), d));
        await().atMost(WAIT).until(() -> handled.size() >= count);
        subscription.close();
        assertThat(handled).hasSize(count);
        return handled;
    }
}
