package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.PublishException;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A delayed message its topic would refuse (docs/kafka.md, "Delayed delivery", limits): refused at publish like an
 * undelayed one when the topic refuses it already, and dead-lettered with its cause when the topic refuses it only
 * at its forward (the topic was changed after the publish), without holding up what is behind it.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaDelayRefusalTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String LIMIT = "10000";
    private static final byte[] BIG = new byte[20_000];

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final List<KafkaAdapter> adapters = new ArrayList<>();
    private final List<BrokerConsumer> consumers = new ArrayList<>();
    private String topic;

    @BeforeEach
    void open() {
        topic = KafkaTestSupport.unique("refuse");
    }

    @AfterEach
    void close() {
        consumers.forEach(c -> c.close().toCompletableFuture().join());
        adapters.forEach(KafkaAdapter::close);
    }

    @Test
    void aDelayedMessageOverTheTopicsMaxMessageBytesShouldFailAtPublishLikeAnUndelayedOne() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, LIMIT));
        KafkaAdapter adapter = adapter(KafkaTestSupport.config(bootstrap));

        Throwable undelayed = failure(adapter, record("now-1", "k", BIG, null));
        Throwable delayed = failure(adapter, record("later-1", "k", BIG, Duration.ofSeconds(1)));

        assertThat(undelayed).isInstanceOf(PublishException.class).hasMessageContaining("max.message.bytes");
        assertThat(delayed).as("the delayed publish fails as the undelayed one does")
                .isInstanceOf(PublishException.class).hasMessageContaining("message later-1 to " + topic + ":")
                .hasMessageContaining("max.message.bytes");
        assertThat(((KeelException) delayed).isRetriable()).isFalse();
        assertThat(KafkaTestSupport.topicConfig(bootstrap, topic + ".keel-delay", TopicConfig.MAX_MESSAGE_BYTES_CONFIG))
                .as("the delay topic is created with the topic's max.message.bytes").isEqualTo(LIMIT);
    }

    @Test
    void theDelayTopicShouldFollowAMaxMessageBytesChangedAfterItWasCreated() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        KafkaAdapter adapter = adapter(KafkaTestSupport.config(bootstrap)
                .delayTopicCheckInterval(Duration.ofMillis(200)));
        adapter.producer().send(record("small-0", "k", utf8("x"), Duration.ofHours(1))).toCompletableFuture().join();

        KafkaTestSupport.alterTopic(bootstrap, topic, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, LIMIT));

        int[] sent = {0};
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            // the publisher re-reads the topic's limits at a delayed publish, at most once per check interval
            adapter.producer().send(record("small-" + ++sent[0], "k", utf8("x"), Duration.ofHours(1)))
                    .toCompletableFuture().join();
            return LIMIT.equals(KafkaTestSupport.topicConfig(bootstrap, topic + ".keel-delay",
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG));
        });
        assertThat(failure(adapter, record("big-1", "k", BIG, Duration.ofSeconds(1))))
                .isInstanceOf(PublishException.class).hasMessageContaining("max.message.bytes");
    }

    @Test
    void aDelayTopicCreatedByHandShouldBeBroughtInStepAtAProducersFirstDelayedPublish() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, LIMIT));
        KafkaTestSupport.createTopic(bootstrap, topic + ".keel-delay", 2); // with Kafka's tools, broker defaults
        KafkaAdapter adapter = adapter(KafkaTestSupport.config(bootstrap));

        Throwable delayed = failure(adapter, record("later-5", "k", BIG, Duration.ofSeconds(1)));

        assertThat(delayed).isInstanceOf(PublishException.class).hasMessageContaining("max.message.bytes");
        assertThat(KafkaTestSupport.topicConfig(bootstrap, topic + ".keel-delay", TopicConfig.MAX_MESSAGE_BYTES_CONFIG))
                .isEqualTo(LIMIT);
    }

    @Test
    void aForwardTheTopicRefusesForGoodShouldBeDeadLetteredWithItsCauseAndNotHoldUpThePartition() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        KafkaAdapter publishing = adapter(KafkaTestSupport.config(bootstrap));
        publishing.producer().send(record("before-1", "k", utf8("a"), Duration.ofMillis(100))).toCompletableFuture()
                .join();
        publishing.producer().send(record("big-1", "k", BIG, Duration.ofMillis(100))).toCompletableFuture().join();
        publishing.producer().send(record("after-1", "k", utf8("b"), Duration.ofMillis(100))).toCompletableFuture()
                .join();
        // an operator lowers the topic's limit while the messages wait (no forwarder runs yet)
        KafkaTestSupport.alterTopic(bootstrap, topic, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, LIMIT));

        RecordingSink sink = new RecordingSink();
        start(adapter(KafkaTestSupport.config(bootstrap)), sink);

        // the forwarder creates the dead-letter topic (a plain reader subscribing first would auto-create it with the
        // broker's defaults): it takes what the delay topic holds, though the topic's limit is lower now
        await().atMost(WAIT).until(() -> KafkaTestSupport.topicConfig(bootstrap, topic + ".DLT",
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG) != null);
        assertThat(KafkaTestSupport.topicConfig(bootstrap, topic + ".DLT", TopicConfig.MAX_MESSAGE_BYTES_CONFIG))
                .isEqualTo(KafkaTestSupport.topicConfig(bootstrap, topic + ".keel-delay",
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG));
        ConsumerRecord<byte[], byte[]> letter = KafkaTestSupport.readPlainly(bootstrap, topic + ".DLT", 1, WAIT).get(0);
        Map<String, String> headers = headers(letter);
        assertThat(headers).containsEntry(KeelHeaders.ID, "big-1")
                .containsEntry(KeelHeaders.DLT_ORIGIN_TOPIC, topic)
                .containsEntry(KeelHeaders.DLT_CAUSE_CLASS, RecordTooLargeException.class.getName())
                .containsEntry(KeelHeaders.DLT_REASON, "forward")
                .doesNotContainKey(KeelHeaders.DLT_GROUP)
                .doesNotContainKey(KeelHeaders.DLT_TRUNCATED);
        assertThat(letter.value()).as("the dead letter keeps the payload").isEqualTo(BIG);
        assertThat(utf8(letter.key())).isEqualTo("k");
        await().atMost(WAIT).until(() -> sink.arrivals.keySet().containsAll(List.of("before-1", "after-1")));
        await().atMost(WAIT).untilAsserted(() -> assertThat(KafkaTestSupport.committed(bootstrap, "keel-delay-" + topic))
                .as("the forwarder commits past the refused record").isEqualTo(Map.of(0, 3L)));
        assertThat(sink.arrivals).doesNotContainKey("big-1");
    }

    @Test
    void aRefusedForwardTooLargeForTheDeadLetterTopicShouldBeDeadLetteredWithoutItsPayload() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        // the dead-letter topic exists already and refuses what the topic refuses
        KafkaTestSupport.createTopic(bootstrap, topic + ".DLT", 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, LIMIT));
        KafkaAdapter publishing = adapter(KafkaTestSupport.config(bootstrap));
        publishing.producer().send(record("big-2", "k", BIG, Duration.ofMillis(100))).toCompletableFuture().join();
        publishing.producer().send(record("after-2", "k", utf8("b"), Duration.ofMillis(100))).toCompletableFuture()
                .join();
        KafkaTestSupport.alterTopic(bootstrap, topic, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, LIMIT));

        RecordingSink sink = new RecordingSink();
        start(adapter(KafkaTestSupport.config(bootstrap)), sink);

        ConsumerRecord<byte[], byte[]> letter = KafkaTestSupport.readPlainly(bootstrap, topic + ".DLT", 1, WAIT).get(0);
        assertThat(headers(letter)).containsEntry(KeelHeaders.ID, "big-2")
                .containsEntry(KeelHeaders.DLT_TRUNCATED, Integer.toString(BIG.length))
                .containsEntry(KeelHeaders.DLT_CAUSE_CLASS, RecordTooLargeException.class.getName());
        assertThat(letter.value()).isEmpty();
        await().atMost(WAIT).until(() -> sink.arrivals.containsKey("after-2"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(KafkaTestSupport.committed(bootstrap, "keel-delay-" + topic))
                .isEqualTo(Map.of(0, 2L)));
    }

    @Test
    void aKeylessDelayedMessageToACompactedTopicShouldFailAtPublishLikeAnUndelayedOne() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        KafkaAdapter adapter = adapter(KafkaTestSupport.config(bootstrap));

        Throwable undelayed = failure(adapter, record("now-3", null, utf8("x"), null));
        Throwable delayed = failure(adapter, record("later-3", null, utf8("x"), Duration.ofSeconds(1)));

        assertThat(undelayed).isInstanceOf(PublishException.class);
        assertThat(delayed).as("the delayed publish fails as the undelayed one does")
                .isInstanceOf(PublishException.class).hasMessageContaining(topic).hasMessageContaining("key");
        assertThat(((KeelException) delayed).isRetriable()).isFalse();
        adapter.producer().send(record("keyed-3", "k", utf8("x"), Duration.ofMillis(100))).toCompletableFuture()
                .join();
        assertThat(KafkaTestSupport.topicConfig(bootstrap, topic + ".keel-delay", TopicConfig.CLEANUP_POLICY_CONFIG))
                .as("the delay topic itself is not compacted (it would lose waiting messages of one key)")
                .isEqualTo(TopicConfig.CLEANUP_POLICY_DELETE);
    }

    @Test
    void aKeylessForwardToATopicCompactedSinceThePublishShouldBeDeadLettered() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        KafkaAdapter publishing = adapter(KafkaTestSupport.config(bootstrap));
        publishing.producer().send(record("keyless-4", null, utf8("a"), Duration.ofMillis(100))).toCompletableFuture()
                .join();
        publishing.producer().send(record("keyed-4", "k", utf8("b"), Duration.ofMillis(100))).toCompletableFuture()
                .join();
        KafkaTestSupport.alterTopic(bootstrap, topic,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));

        RecordingSink sink = new RecordingSink();
        start(adapter(KafkaTestSupport.config(bootstrap)), sink);

        ConsumerRecord<byte[], byte[]> letter = KafkaTestSupport.readPlainly(bootstrap, topic + ".DLT", 1, WAIT).get(0);
        assertThat(headers(letter)).containsEntry(KeelHeaders.ID, "keyless-4")
                .containsEntry(KeelHeaders.DLT_CAUSE_CLASS, InvalidRecordException.class.getName());
        await().atMost(WAIT).until(() -> sink.arrivals.containsKey("keyed-4"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(KafkaTestSupport.committed(bootstrap, "keel-delay-" + topic))
                .isEqualTo(Map.of(0, 2L)));
    }

    /**
     * Third adversarial review: a forward the topic refuses for good whose dead letter the dead-letter topic refuses
     * for good too (here a keyless record, the topic and its operator-made dead-letter topic both compacted) was sent
     * to the dead-letter topic again every 5 s for ever, and held the partition's commit: past 10,000 records behind
     * it the partition stopped. It is given up instead, logged at ERROR; the forwarder commits past it.
     */
    @Test
    void aRefusedForwardTheDeadLetterTopicRefusesForGoodTooShouldNotHoldUpThePartition() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, topic, 1);
        KafkaTestSupport.createTopic(bootstrap, topic + ".DLT", 1,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        KafkaAdapter publishing = adapter(KafkaTestSupport.config(bootstrap));
        publishing.producer().send(record("keyless-6", null, utf8("a"), Duration.ofMillis(100))).toCompletableFuture()
                .join();
        publishing.producer().send(record("keyed-6", "k", utf8("b"), Duration.ofMillis(100))).toCompletableFuture()
                .join();
        KafkaTestSupport.alterTopic(bootstrap, topic,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));

        RecordingSink sink = new RecordingSink();
        start(adapter(KafkaTestSupport.config(bootstrap)), sink);

        await().atMost(WAIT).until(() -> sink.arrivals.containsKey("keyed-6"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(KafkaTestSupport.committed(bootstrap, "keel-delay-" + topic))
                .as("the forwarder commits past the record both topics refuse").isEqualTo(Map.of(0, 2L)));
        assertThat(sink.arrivals).doesNotContainKey("keyless-6");
    }

    private OutboundRecord record(String id, String key, byte[] payload, Duration delay) {
        Map<String, String> headers = new HashMap<>();
        headers.put(KeelHeaders.ID, id);
        Instant due = delay == null ? null : Instant.now().plus(delay);
        if (due != null) {
            headers.put(KeelHeaders.DELIVER_AT, Long.toString(due.toEpochMilli()));
        }
        return new OutboundRecord(topic, id, key, headers, payload, Instant.now(), due);
    }

    private static Throwable failure(KafkaAdapter adapter, OutboundRecord record) {
        Throwable[] failure = new Throwable[1];
        assertThatThrownBy(() -> adapter.producer().send(record).toCompletableFuture().join())
                .as("publish of %s", record.id()).isInstanceOf(CompletionException.class)
                .satisfies(e -> failure[0] = e.getCause());
        return failure[0];
    }

    private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new HashMap<>();
        record.headers().forEach(h -> headers.put(h.key(), h.value() == null ? null : utf8(h.value())));
        return headers;
    }

    private KafkaAdapter adapter(KafkaConfig.Builder config) {
        KafkaAdapter adapter = new KafkaAdapter(config.build());
        adapters.add(adapter);
        return adapter;
    }

    private void start(KafkaAdapter adapter, RecordingSink sink) {
        BrokerConsumer consumer = adapter.consumer(new ConsumerSettings(topic, KafkaTestSupport.unique("g"), 100,
                Duration.ofSeconds(5)));
        consumers.add(consumer);
        consumer.start(sink);
    }
}
