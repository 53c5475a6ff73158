package dev.keel.rocket;

import static dev.keel.rocket.RocketTestSupport.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelException;
import dev.keel.PublishReceipt;
import dev.keel.TopicSpec;
import dev.keel.UnroutableException;
import dev.keel.spi.BrokerProducer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import dev.keel.rocket.internal.RocketReceiver;
import dev.keel.rocket.internal.RocketSender;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The producer side of the adapter at the SPI level, on the harness's RocketMQ. */
@UsesBrokers(BrokerKind.ROCKET)
class RocketPublishTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private final RocketAdapter adapter = RocketTestSupport.adapter();
    private final List<RocketReceiver> receivers = new ArrayList<>();

    @AfterEach
    void close() {
        receivers.forEach(r -> r.close().toCompletableFuture().join());
        adapter.close();
    }

    @Test
    void sameKeyShouldGoToOneQueueInPublishOrderWithSixteenPublishingThreads() throws Exception {
        String topic = RocketTestSupport.unique("order16");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(4).build());
        BrokerProducer producer = adapter.producer();
        int threads = 16;
        int perKey = 150;
        Map<String, List<CompletableFuture<PublishReceipt>>> sent = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int t = 0; t < threads; t++) {
                String key = "key-" + t;
                pool.execute(() -> {
                    List<CompletableFuture<PublishReceipt>> receipts = new ArrayList<>();
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int seq = 0; seq < perKey; seq++) {
                        receipts.add(producer.send(record(topic, key + "-" + seq, key, key + "-" + seq))
                                .toCompletableFuture());
                    }
                    sent.put(key, receipts);
                });
            }
            start.countDown();
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }

        for (Map.Entry<String, List<CompletableFuture<PublishReceipt>>> entry : sent.entrySet()) {
            List<PublishReceipt> receipts = entry.getValue().stream().map(CompletableFuture::join).toList();
            assertThat(receipts.stream().map(PublishReceipt::partition).distinct()).as("queues of %s", entry.getKey())
                    .hasSize(1);
            assertThat(receipts.stream().map(PublishReceipt::offset).toList()).as("offsets of %s in publish order",
                    entry.getKey()).isSorted().doesNotHaveDuplicates();
        }
        RecordingSink sink = consume(topic, "readers");
        await().atMost(PATIENCE).until(() -> sink.records.size() >= threads * perKey);
        Map<String, List<String>> byKey = new HashMap<>();
        for (InboundRecord r : sink.records) {
            byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.id());
        }
        for (int t = 0; t < threads; t++) {
            String key = "key-" + t;
            List<String> expected = new ArrayList<>();
            for (int seq = 0; seq < perKey; seq++) {
                expected.add(key + "-" + seq);
            }
            assertThat(byKey.get(key)).as("delivery order of %s", key).isEqualTo(expected);
        }
    }

    @Test
    void messagesSentInOneBatchShouldEachGetTheirOwnOffset() {
        String topic = RocketTestSupport.unique("batch");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        BrokerProducer producer = adapter.producer();
        List<CompletableFuture<PublishReceipt>> pending = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            pending.add(producer.send(record(topic, "b-" + i, "k", "payload-" + i)).toCompletableFuture());
        }
        List<PublishReceipt> receipts = pending.stream().map(CompletableFuture::join).toList();

        assertThat(((RocketSender) producer).largestRequest()).as("messages in the largest request")
                .isGreaterThan(1);
        for (int i = 0; i < receipts.size(); i++) {
            assertThat(receipts.get(i).messageId()).isEqualTo("b-" + i);
            assertThat(receipts.get(i).offset()).as("offset of message %d", i).isEqualTo(i);
            assertThat(receipts.get(i).partition()).matches(".+:0");
        }
        RecordingSink sink = consume(topic, "batch-readers");
        await().atMost(PATIENCE).until(() -> sink.records.size() >= receipts.size());
        for (InboundRecord r : sink.records) {
            int i = Integer.parseInt(r.id().substring(2));
            assertThat(r.position()).as("position of %s", r.id()).isEqualTo(receipts.get(i).offset());
            assertThat(r.partition()).isEqualTo(receipts.get(i).partition());
            assertThat(RocketTestSupport.text(r)).isEqualTo("payload-" + i);
            assertThat(r.headers()).containsEntry("app", "ünïcode");
        }
    }

    @Test
    void unknownTopicShouldFailFastAndNotBeCreated() {
        String topic = RocketTestSupport.unique("never-declared");

        assertThatThrownBy(() -> adapter.producer().send(record(topic, "u-1", "k", "x")).toCompletableFuture().join())
                .hasCauseInstanceOf(UnroutableException.class)
                .hasMessageContaining(topic)
                .hasMessageContaining("ensureTopology")
                .satisfies(e -> assertThat(((KeelException) e.getCause()).isRetriable()).isFalse());
        assertThatThrownBy(() -> adapter.producer().send(record(topic, "u-2", null, "y")).toCompletableFuture().join())
                .hasCauseInstanceOf(UnroutableException.class);

        assertThat(adapter.describeTopology(topic)).as("the broker (autoCreateTopicEnable=true) created nothing")
                .isEmpty();
    }

    private RecordingSink consume(String topic, String group) {
        RocketReceiver receiver = (RocketReceiver) adapter.consumer(new ConsumerSettings(topic, group, 1000,
                Duration.ofSeconds(10)));
        receivers.add(receiver);
        RecordingSink sink = new RecordingSink();
        sink.ackAll(true);
        receiver.start(sink);
        return sink;
    }
}
