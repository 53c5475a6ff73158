package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.core.Keel;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.KeelException;
import dev.keel.KeelTimeoutException;
import dev.keel.Message;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.OutboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Odd and oversized input through the whole stack (publisher, adapter, broker, consumer) on a real Kafka:
 * the Kafka-only cases. Empty and maximal payloads, long ids and header names, odd keys and raw headers
 * are in the shared suite ({@link KafkaAdapterContractTest}).
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaBadInputTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private CountingAdapter adapter;
    private InMemoryIdempotencyStore store;
    private Keel keel;
    private String topic;

    @BeforeEach
    void open() {
        adapter = new CountingAdapter(new KafkaAdapter(KafkaTestSupport.config(bootstrap).build()));
        store = new InMemoryIdempotencyStore(); // this test runs one consumer process
        keel = Keel.builder(adapter).idempotencyStore(store).build();
        topic = KafkaTestSupport.unique("bad-input");
        keel.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
    }

    @AfterEach
    void close() {
        keel.close();
        store.close();
        adapter.close();
    }

    private Map<String, Delivery<byte[]>> consumeAll(String fromTopic) {
        Map<String, Delivery<byte[]>> handled = new ConcurrentHashMap<>();
        keel.subscribe(SubscriptionConfig.builder(fromTopic, KafkaTestSupport.unique("g"), Codec.bytes()).build(),
                d -> handled.put(d.id(), d));
        return handled;
    }

    @Test
    void headerNamesAndValuesAtOddLengthsShouldRoundTrip() {
        // around the record format's varint length boundaries (64, 8192), and beyond 16 and 32 bits of chars
        Map<String, String> headers = new LinkedHashMap<>();
        int[] lengths = {0, 1, 63, 64, 65, 127, 128, 8191, 8192, 8193, 32767, 32768, 65535, 65536, 100_000};
        for (int length : lengths) {
            headers.put("n".repeat(length), "v" + length);
            headers.put("\u00fc" + length + "-" + "\u00fc".repeat(length / 2), "w".repeat(length)); // 2-byte UTF-8
        }
        Message.Builder builder = Message.builder(utf8("odd")).id("odd-headers");
        headers.forEach(builder::header);
        keel.publisher().publishAsync(topic, builder.build()).toCompletableFuture().join();

        Map<String, Delivery<byte[]>> handled = consumeAll(topic);

        await().atMost(WAIT).until(() -> handled.containsKey("odd-headers"));
        assertThat(handled.get("odd-headers").headers()).isEqualTo(headers);
    }

    @Test
    void aPayloadOverMaxRequestSizeShouldFailOnceNotRetriableAndTheProducerShouldGoOn() {
        byte[] huge = new byte[2 * 1024 * 1024];
        CompletableFuture<PublishReceipt> publish = keel.publisher()
                .publishAsync(topic, Message.builder(huge).id("too-big").key("k").build()).toCompletableFuture();

        assertThatThrownBy(publish::join).cause().isInstanceOf(PublishException.class)
                .isNotInstanceOf(KeelTimeoutException.class)
                .hasMessageContaining("message too-big to " + topic)
                .hasMessageContaining("about 2097")          // bytes of key, value and headers
                .hasMessageContaining("max.request.size (1048576 bytes here)")
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
        assertThat(adapter.sends("too-big")).as("sends of the oversized message").isEqualTo(1);

        assertNextMessageIsConfirmedAndConsumed(topic);
    }

    @Test
    void aHeaderOverMaxRequestSizeShouldFailLikeAnOversizedPayload() {
        CompletableFuture<PublishReceipt> publish = keel.publisher().publishAsync(topic, Message.builder(utf8("small"))
                .id("huge-header").header("h", "x".repeat(2 * 1024 * 1024)).build()).toCompletableFuture();

        assertThatThrownBy(publish::join).cause().isInstanceOf(PublishException.class)
                .hasMessageContaining("message huge-header to " + topic)
                .hasMessageContaining("max.request.size (1048576 bytes here)")
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
        assertThat(adapter.sends("huge-header")).isEqualTo(1);

        assertNextMessageIsConfirmedAndConsumed(topic);
    }

    @Test
    void aRecordOverTheTopicsMaxMessageBytesShouldFailOnceNotRetriableAndTheProducerShouldGoOn() throws Exception {
        String small = KafkaTestSupport.unique("small-limit");
        try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(small, 1, (short) 1)
                    .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "20000")))).all().get();
        }
        keel.publisher().publishAsync(small, Message.builder(utf8("before")).id("before").key("k").build())
                .toCompletableFuture().join();

        CompletableFuture<PublishReceipt> publish = keel.publisher()
                .publishAsync(small, Message.builder(new byte[50_000]).id("over-topic-limit").key("k").build())
                .toCompletableFuture();

        assertThatThrownBy(publish::join).cause().isInstanceOf(PublishException.class)
                .isNotInstanceOf(KeelTimeoutException.class).hasMessageContaining("message over-topic-limit to " + small)
                .hasMessageContaining("about 50").hasMessageContaining("the topic's max.message.bytes")
                .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse());
        assertThat(adapter.sends("over-topic-limit")).isEqualTo(1);

        assertNextMessageIsConfirmedAndConsumed(small);
    }

    private void assertNextMessageIsConfirmedAndConsumed(String toTopic) {
        PublishReceipt next = keel.publisher().publishAsync(toTopic, Message.builder(utf8("next")).id("next").key("k").build())
                .toCompletableFuture().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
        assertThat(next.messageId()).isEqualTo("next");
        Map<String, Delivery<byte[]>> handled = consumeAll(toTopic);
        await().atMost(WAIT).until(() -> handled.containsKey("next"));
        assertThat(handled.keySet()).doesNotContain("too-big", "over-topic-limit", "huge-header");
    }

    /** The Kafka adapter, counting how often each message id was handed to its producer. */
    private static final class CountingAdapter implements BrokerAdapter {
        private final BrokerAdapter delegate;
        private final Map<String, AtomicInteger> sends = new ConcurrentHashMap<>();

        CountingAdapter(BrokerAdapter delegate) {
            this.delegate = delegate;
        }

        int sends(String id) {
            AtomicInteger n = sends.get(id);
            return n == null ? 0 : n.get();
        }

        @Override
        public Set<Capability> capabilities() {
            return delegate.capabilities();
        }

        @Override
        public void ensureTopology(TopicSpec topic) {
            delegate.ensureTopology(topic);
        }

        @Override
        public BrokerProducer producer() {
            BrokerProducer producer = delegate.producer();
            return new BrokerProducer() {
                @Override
                public CompletionStage<PublishReceipt> send(OutboundRecord record) {
                    sends.computeIfAbsent(record.id(), id -> new AtomicInteger()).incrementAndGet();
                    return producer.send(record);
                }

                @Override
                public void close() {
                    producer.close();
                }
            };
        }

        @Override
        public BrokerConsumer consumer(ConsumerSettings settings) {
            return delegate.consumer(settings);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
