package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.NonRetriableException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.ordering.Ordering;
import dev.keel.retry.RetryMode;
import dev.keel.retry.RetryPolicy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The topics Keel derives from a topic {@code T} (its dead-letter topic {@code T.DLT}, a group's retry topic
 * {@code T.<group>.retry} and that one's delay topic) take every record {@code T} takes: they get {@code T}'s
 * {@code max.message.bytes}, so a large message's dead letter keeps its payload and its retries run from the retry
 * topic.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaDerivedTopicLimitsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Raised by the operator on {@code T}, above the broker's default of 1048588. */
    private static final String RAISED = "3000000";
    /** Larger than the broker's default {@code max.message.bytes}, within {@link #RAISED}. */
    private static final int LARGE = 1_200_000;

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private KafkaAdapter adapter;
    private InMemoryIdempotencyStore store;
    private Keel keel;
    private String topic;

    @BeforeEach
    void open() {
        adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).property("max.request.size", "4000000").build());
        store = new InMemoryIdempotencyStore();
        keel = Keel.builder(adapter).idempotencyStore(store).build();
        topic = KafkaTestSupport.unique("derived");
    }

    @AfterEach
    void close() {
        keel.close();
        store.close();
        adapter.close();
    }

    @Test
    void aLargeMessagesDeadLetterShouldKeepItsPayloadWhenTheTopicsLimitWasRaised() throws Exception {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        KafkaTestSupport.alterTopic(bootstrap, topic, Map.of("max.message.bytes", RAISED));
        Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.bytes()).build(),
                d -> {
                    throw new NonRetriableException("poison");
                });
        keel.publisher().publish(topic, Message.builder(large()).id("big-1").key("k").build());

        ConsumerRecord<byte[], byte[]> letter = KafkaTestSupport.readPlainly(bootstrap, topic + ".DLT", 1, WAIT).get(0);
        subscription.close();
        assertThat(KafkaTestSupport.topicConfig(bootstrap, topic + ".DLT", "max.message.bytes")).isEqualTo(RAISED);
        assertThat(letter.headers().lastHeader(KeelHeaders.DLT_TRUNCATED)).as("not truncated").isNull();
        assertThat(letter.value()).hasSize(LARGE);
    }

    @Test
    void aLargeMessagesNonBlockingRetryShouldRunFromTheRetryTopicWhenTheTopicsLimitWasRaised() throws Exception {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        KafkaTestSupport.alterTopic(bootstrap, topic, Map.of("max.message.bytes", RAISED));
        List<String> attempts = new CopyOnWriteArrayList<>();
        Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.bytes())
                .ordering(Ordering.UNORDERED).retryMode(RetryMode.NON_BLOCKING)
                .retryPolicy(RetryPolicy.custom().maxAttempts(2).initialBackoff(Duration.ofMillis(200)).build())
                .build(), d -> {
                    attempts.add(d.attempt() + "@" + d.topic() + ":" + d.payload().length);
                    if (d.attempt() == 1) {
                        throw new IllegalStateException("fails once");
                    }
                });
        keel.publisher().publish(topic, Message.builder(large()).id("big-2").key("k").build());

        await().atMost(WAIT).until(() -> attempts.size() >= 2);
        subscription.close();
        assertThat(attempts).containsExactly("1@" + topic + ":" + LARGE, "2@" + topic + ".g.retry:" + LARGE);
        assertThat(KafkaTestSupport.topicConfig(bootstrap, topic + ".g.retry", "max.message.bytes")).isEqualTo(RAISED);
        assertThat(KafkaTestSupport.topicConfig(bootstrap, topic + ".g.retry.keel-delay", "max.message.bytes"))
                .isEqualTo(RAISED);
    }

    private static byte[] large() {
        byte[] payload = new byte[LARGE];
        Arrays.fill(payload, (byte) 'x');
        return payload;
    }
}
