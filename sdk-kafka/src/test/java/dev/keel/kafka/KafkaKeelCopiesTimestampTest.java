package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.NonRetriableException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.deadletter.RedriveResult;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The copies Keel makes of a message (dead letters, re-driven copies) are stamped with the time they are written, and
 * carry the message's publish time as {@code keel-ts}: Kafka's retention and {@code message.timestamp.before.max.ms}
 * count from the copy, and the delivery's timestamp stays the publish time.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaKeelCopiesTimestampTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** A publish time well before any timestamp window below (what a delay, a lag or retries give a message). */
    private static final Instant PUBLISHED = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);

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
        topic = KafkaTestSupport.unique("copies");
    }

    @AfterEach
    void close() {
        keel.close();
        store.close();
        adapter.close();
    }

    @Test
    void aDeadLetterShouldBeStampedWhenItIsWrittenAndCarryThePublishTimeAsKeelTs() {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8()).build(), d -> {
            throw new NonRetriableException("poison");
        });
        long before = System.currentTimeMillis();
        keel.publisher().publish(topic, Message.builder("p", Codec.utf8()).id("dead-1").key("k")
                .timestamp(PUBLISHED).build());

        ConsumerRecord<byte[], byte[]> letter = KafkaTestSupport.readPlainly(bootstrap, topic + ".DLT", 1, WAIT).get(0);
        subscription.close();
        assertThat(letter.timestamp()).as("stamped when dead-lettered, so T.DLT's retention counts from then")
                .isGreaterThanOrEqualTo(before);
        assertThat(utf8(letter.headers().lastHeader(KeelHeaders.TIMESTAMP).value()))
                .isEqualTo(Long.toString(PUBLISHED.toEpochMilli()));
    }

    @Test
    void anOldMessagesDeadLetterShouldBeTakenByADeadLetterTopicWithATimestampWindowAndItsKeyGoOn() throws Exception {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        KafkaTestSupport.createTopic(bootstrap, topic + ".DLT", 1, Map.of("message.timestamp.before.max.ms", "60000"));
        List<String> handled = new CopyOnWriteArrayList<>();
        Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8()).build(), d -> {
            handled.add(d.id());
            if (d.id().equals("poison-1")) {
                throw new NonRetriableException("poison");
            }
        });
        keel.publisher().publish(topic, Message.builder("p", Codec.utf8()).id("poison-1").key("k")
                .timestamp(PUBLISHED).build());
        keel.publisher().publish(topic, Message.builder("n", Codec.utf8()).id("next-same-key").key("k").build());

        await().atMost(WAIT).until(() -> handled.contains("next-same-key"));
        subscription.close();
        ConsumerRecord<byte[], byte[]> letter = KafkaTestSupport.readPlainly(bootstrap, topic + ".DLT", 1, WAIT).get(0);
        assertThat(utf8(letter.value())).isEqualTo("p");
        assertThat(letter.headers().lastHeader(KeelHeaders.DLT_TRUNCATED)).isNull();
    }

    @Test
    void aRedriveShouldBeTakenByATopicWhoseTimestampWindowThePublishTimeIsOutsideAndDeliveredWithThePublishTime()
            throws Exception {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        AtomicBoolean fixed = new AtomicBoolean();
        Map<String, Delivery<String>> handled = new ConcurrentHashMap<>();
        Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8()).build(), d -> {
            if (!fixed.get()) {
                throw new NonRetriableException("not yet");
            }
            handled.put(d.id(), d);
        });
        keel.publisher().publish(topic, Message.builder("p", Codec.utf8()).id("m-1").key("k")
                .timestamp(PUBLISHED).build());
        KafkaTestSupport.readPlainly(bootstrap, topic + ".DLT", 1, WAIT);
        // the operator adds a timestamp window to the topic: the original publish time is outside it
        KafkaTestSupport.alterTopic(bootstrap, topic, Map.of("message.timestamp.before.max.ms", "600000"));
        fixed.set(true);

        RedriveResult result = keel.deadLetters(topic, "g").withQuietPeriod(Duration.ofSeconds(1))
                .redrive(DeadLetterFilter.all(), (letter, n) -> { });

        assertThat(result.redriven()).as(result.toString()).isEqualTo(1);
        await().atMost(WAIT).until(() -> handled.containsKey("m-1"));
        subscription.close();
        assertThat(handled.get("m-1").message().timestamp()).as("delivered with its publish time").isEqualTo(PUBLISHED);
    }
}
