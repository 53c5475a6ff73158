package dev.keel.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.BrokerUnavailableException;
import dev.keel.ClosedException;
import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.PublishException;
import dev.keel.PublishReceipt;
import dev.keel.TopicSpec;
import dev.keel.UnroutableException;
import dev.keel.spi.support.KeyHash;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.Capability;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The in-memory broker at the SPI level: publishing, routing, delivery, pause and faults. */
class InMemoryBrokerTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final List<BrokerConsumer> consumers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        consumers.forEach(BrokerConsumer::close);
        broker.close();
    }

    static OutboundRecord record(String topic, String id, String key) {
        Map<String, String> headers = new HashMap<>();
        headers.put(KeelHeaders.ID, id);
        if (key != null) {
            headers.put(KeelHeaders.KEY, key);
        }
        return new OutboundRecord(topic, id, key, headers, id.getBytes(StandardCharsets.UTF_8), Instant.now());
    }

    static PublishReceipt publish(BrokerAdapter adapter, String topic, String id, String key) {
        return adapter.producer().send(record(topic, id, key)).toCompletableFuture().join();
    }

    static Throwable failureOf(CompletableFuture<?> future) throws InterruptedException {
        try {
            future.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the future did not complete", e);
        }
        throw new AssertionError("the future succeeded, a failure was expected");
    }

    private BrokerConsumer start(String group, int maxInFlight, RecordingSink sink) {
        BrokerConsumer consumer = broker.consumer(new ConsumerSettings(TOPIC, group, maxInFlight, Duration.ofSeconds(5)));
        consumers.add(consumer);
        consumer.start(sink);
        return consumer;
    }

    private void declare(int partitions) {
        broker.ensureTopology(TopicSpec.builder(TOPIC).partitions(partitions).group(GROUP).build());
    }

    @Test
    void shouldDeclareEveryCapabilityButBrokerFilterPriorityAndSharedConsumption() {
        assertThat(broker.capabilities()).containsExactlyInAnyOrderElementsOf(java.util.EnumSet.complementOf(
                java.util.EnumSet.of(Capability.BROKER_FILTER, Capability.PRIORITY, Capability.SHARED_CONSUMPTION)));
    }

    @Test
    void publishShouldBeConfirmedWithPartitionNumberAndOffset() {
        declare(4);
        PublishReceipt first = publish(broker, TOPIC, "a", "key-1");
        PublishReceipt second = publish(broker, TOPIC, "b", "key-1");

        assertThat(first.partition()).isEqualTo(String.valueOf(KeyHash.laneOf("key-1", 4)));
        assertThat(second.partition()).isEqualTo(first.partition());
        assertThat(first.offset()).isZero();
        assertThat(second.offset()).isEqualTo(1);
        assertThat(first.messageId()).isEqualTo("a");
        assertThat(broker.records(TOPIC)).extracting(StoredRecord::id).containsExactly("a", "b");
    }

    @Test
    void keylessPublishesShouldGoRoundRobin() {
        declare(3);
        List<String> partitions = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            partitions.add(publish(broker, TOPIC, "m" + i, null).partition());
        }
        assertThat(partitions).containsExactly("0", "1", "2", "0", "1", "2");
    }

    @Test
    void unroutablePublishShouldFailItsFuture() throws InterruptedException {
        Throwable failure = failureOf(broker.producer().send(record("nowhere", "x", null)).toCompletableFuture());

        assertThat(failure).isInstanceOf(UnroutableException.class).hasMessageContaining("nowhere");
        assertThat(((KeelException) failure).isRetriable()).isFalse();
        assertThat(broker.topics()).doesNotContain("nowhere");
    }

    @Test
    void autoCreateShouldCreateUndeclaredTopics() {
        InMemoryBroker lenient = InMemoryBroker.builder().autoCreateTopics(true).autoCreatePartitions(2).build();
        try {
            PublishReceipt receipt = publish(lenient, "fresh", "x", null);
            assertThat(receipt.topic()).isEqualTo("fresh");
            assertThat(lenient.topics()).containsExactly("fresh");
            assertThat(lenient.committedOffsets("fresh", "any")).isEmpty();
        } finally {
            lenient.close();
        }
    }

    @Test
    void consumerOfAnUndeclaredTopicShouldFailClearly() {
        assertThatThrownBy(() -> broker.consumer(new ConsumerSettings("ghost", GROUP, 10, Duration.ofSeconds(1))))
                .isInstanceOf(KeelException.class).hasMessageContaining("ensureTopology");
    }

    @Test
    void consumerShouldReceiveEveryRecordInPartitionOrderAndCommit() {
        declare(4);
        for (int i = 0; i < 100; i++) {
            publish(broker, TOPIC, "m" + i, "k" + (i % 7));
        }
        RecordingSink sink = RecordingSink.acking("A", new CopyOnWriteArrayList<>());
        start(GROUP, 1000, sink);

        await().atMost(PATIENCE).until(() -> sink.received.size() == 100);
        for (int p = 0; p < 4; p++) {
            List<Long> offsets = sink.from(String.valueOf(p)).stream().map(InboundRecord::position).toList();
            assertThat(offsets).isSorted().doesNotHaveDuplicates();
        }
        assertThat(sink.received).allSatisfy(r -> {
            assertThat(r.deliveryCount()).isEqualTo(1);
            assertThat(r.id()).isEqualTo(new String(r.payload(), StandardCharsets.UTF_8));
            assertThat(r.key()).isNotNull();
        });
        Map<Integer, Long> ends = new HashMap<>(Map.of(0, 0L, 1, 0L, 2, 0L, 3, 0L));
        broker.records(TOPIC).forEach(r -> ends.merge(r.partition(), r.offset() + 1, Math::max));
        await().atMost(PATIENCE).until(() -> broker.committedOffsets(TOPIC, GROUP).equals(ends));
    }

    @Test
    void idShouldFallBackToTheNativeIdWithoutKeelHeader() {
        declare(1);
        broker.producer().send(new OutboundRecord(TOPIC, "ignored", null, Map.of(), new byte[] {1}, Instant.now()))
                .toCompletableFuture().join();
        RecordingSink sink = RecordingSink.acking("A", new CopyOnWriteArrayList<>());
        start(GROUP, 10, sink);

        await().atMost(PATIENCE).until(() -> sink.received.size() == 1);
        assertThat(sink.received.get(0).id()).isEqualTo(TOPIC + "-0-0");
    }

    @Test
    void maxInFlightShouldBoundUnacknowledgedDeliveries() {
        declare(2);
        for (int i = 0; i < 30; i++) {
            publish(broker, TOPIC, "m" + i, null);
        }
        RecordingSink sink = RecordingSink.holding("A", new CopyOnWriteArrayList<>());
        start(GROUP, 5, sink);

        await().atMost(PATIENCE).until(() -> sink.received.size() == 5);
        // the bound is what keeps the other 25 back: each ack lets exactly one more through
        for (int acked = 0; acked < 25; acked++) {
            sink.received.get(acked).ack();
            int expected = acked + 6;
            await().atMost(PATIENCE).until(() -> sink.received.size() == expected);
        }
        assertThat(sink.received).hasSize(30);
        assertThat(sink.batchSizes).allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(5));
    }

    @Test
    void batchesShouldHoldAtMostTheBatchSize() {
        InMemoryBroker small = InMemoryBroker.builder().maxBatchSize(3).build();
        try {
            small.ensureTopology(TopicSpec.builder(TOPIC).partitions(2).build());
            for (int i = 0; i < 20; i++) {
                publish(small, TOPIC, "m" + i, null);
            }
            RecordingSink sink = RecordingSink.acking("A", new CopyOnWriteArrayList<>());
            small.consumer(new ConsumerSettings(TOPIC, GROUP, 100, Duration.ofSeconds(1))).start(sink);

            await().atMost(PATIENCE).until(() -> sink.received.size() == 20);
            assertThat(sink.batchSizes).allSatisfy(size -> assertThat(size).isBetween(1, 3));
        } finally {
            small.close();
        }
    }

    @Test
    void pauseShouldStopDeliveryUntilResume() {
        declare(2);
        RecordingSink paused = RecordingSink.acking("A", new CopyOnWriteArrayList<>());
        BrokerConsumer consumer = start(GROUP, 100, paused);
        await().atMost(PATIENCE).until(() -> broker.memberCount(TOPIC, GROUP) == 1);
        consumer.pause();
        for (int i = 0; i < 10; i++) {
            publish(broker, TOPIC, "m" + i, null);
        }
        // another group proves the records are deliverable; the paused member still got none
        RecordingSink other = RecordingSink.acking("B", new CopyOnWriteArrayList<>());
        start("auditing", 100, other);
        await().atMost(PATIENCE).until(() -> other.received.size() == 10);
        assertThat(paused.received).isEmpty();

        consumer.resume();
        await().atMost(PATIENCE).until(() -> paused.received.size() == 10);
    }
}
