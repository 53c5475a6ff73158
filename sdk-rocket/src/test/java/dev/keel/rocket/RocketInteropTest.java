package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Keel and plain rocketmq-client producers and consumers read each other's messages, both ways. */
@UsesBrokers(BrokerKind.ROCKET)
class RocketInteropTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private final RocketAdapter adapter = RocketTestSupport.adapter();
    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
    private final Keel keel = Keel.builder(adapter).idempotencyStore(store).build();
    private final String topic = RocketTestSupport.unique("interop");

    @AfterEach
    void close() {
        keel.close();
        adapter.close();
        store.close();
    }

    @Test
    void keelShouldConsumeWhatAPlainProducerSent() throws Exception {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        Map<String, String> received = new ConcurrentHashMap<>();
        List<String> headersSeen = new CopyOnWriteArrayList<>();
        String group = RocketTestSupport.unique("keel-readers");
        keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> {
                    received.put(d.id(), d.payload());
                    headersSeen.add(d.headers().getOrDefault("origin", "-"));
                });
        DefaultMQProducer plain = new DefaultMQProducer(RocketTestSupport.unique("plain-producer"));
        plain.setNamesrvAddr(Brokers.rocket().nameServerAddress());
        plain.setInstanceName(RocketTestSupport.unique("plain"));
        plain.start();
        String uniqueKey;
        try {
            org.apache.rocketmq.common.message.Message withoutId = new org.apache.rocketmq.common.message.Message(topic,
                    "no keel id".getBytes(StandardCharsets.UTF_8));
            withoutId.putUserProperty("origin", "plain");
            SendResult sent = plain.send(withoutId);
            assertThat(sent.getSendStatus()).isEqualTo(SendStatus.SEND_OK);
            uniqueKey = sent.getMsgId();
            org.apache.rocketmq.common.message.Message withId = new org.apache.rocketmq.common.message.Message(topic,
                    "with keel id".getBytes(StandardCharsets.UTF_8));
            withId.putUserProperty(KeelHeaders.ID, "order-42");
            plain.send(withId);
        } finally {
            plain.shutdown();
        }

        await().atMost(PATIENCE).until(() -> received.size() == 2);
        assertThat(received).containsEntry(uniqueKey, "no keel id").containsEntry("order-42", "with keel id");
        assertThat(headersSeen).contains("plain");
    }

    @Test
    void aPlainConsumerShouldReadWhatKeelPublished() throws Exception {
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        keel.publisher().publishAsync(topic, Message.builder("hello", Codec.utf8()).id("greeting-1").key("k")
                .header("lang", "en").build()).toCompletableFuture().join();

        DefaultLitePullConsumer plain = new DefaultLitePullConsumer(RocketAdapter.rocketGroupOf(
                RocketTestSupport.unique("plain-readers"), topic));
        plain.setNamesrvAddr(Brokers.rocket().nameServerAddress());
        plain.setInstanceName(RocketTestSupport.unique("plain"));
        plain.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        plain.subscribe(topic, "*");
        plain.start();
        List<MessageExt> read = new CopyOnWriteArrayList<>();
        try {
            await().atMost(PATIENCE).until(() -> {
                read.addAll(plain.poll(200));
                return !read.isEmpty();
            });
        } finally {
            plain.shutdown();
        }
        MessageExt message = read.get(0);
        assertThat(new String(message.getBody(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(message.getKeys()).as("KEYS, for operators' lookups").isEqualTo("greeting-1");
        assertThat(message.getUserProperty(KeelHeaders.ID)).isEqualTo("greeting-1");
        assertThat(message.getUserProperty(KeelHeaders.KEY)).isEqualTo("k");
        assertThat(message.getUserProperty("lang")).isEqualTo("en");
    }
}
