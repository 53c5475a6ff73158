package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import dev.keel.KeelHeaders;
import dev.keel.PublishReceipt;
import dev.keel.TopicSpec;
import dev.keel.rabbit.internal.RabbitConsumer;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@UsesBrokers(BrokerKind.RABBIT)
class RabbitConsumerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private RabbitAdapter adapter;

    @BeforeEach
    void open() {
        adapter = new RabbitAdapter(RabbitTestSupport.config().build());
    }

    @AfterEach
    void close() {
        adapter.close();
    }

    @Test
    void consumerShouldHandEachKeysRecordsInPublishOrder() throws Exception {
        String topic = declare(4);
        publish(topic, 200, 10);
        RecordingSink sink = new RecordingSink(true);
        BrokerConsumer consumer = adapter.consumer(settings(topic, 512));
        consumer.start(sink);
        await().atMost(WAIT).until(() -> sink.size() == 200);
        Map<String, List<Integer>> byKey = new LinkedHashMap<>();
        for (InboundRecord r : sink.records()) {
            byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(Integer.parseInt(Records.text(r)));
            assertThat(r.partition()).isEqualTo(topic + ".g." + dev.keel.spi.support.KeyHash.laneOf(r.key(), 4));
        }
        assertThat(byKey).hasSize(10);
        byKey.values().forEach(seq -> assertThat(seq).isSorted().hasSize(20));
        consumer.close().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void recordsShouldCarryIdKeyHeadersAndTimestamp() throws Exception {
        String topic = declare(2);
        var out = Records.record(topic, "order-42:created", "order-42", "payload");
        adapter.producer().send(out).toCompletableFuture().get(30, TimeUnit.SECONDS);
        RecordingSink sink = new RecordingSink(true);
        adapter.consumer(settings(topic, 16)).start(sink);
        await().atMost(WAIT).until(() -> sink.size() == 1);
        InboundRecord in = sink.records().get(0);
        assertThat(in.id()).isEqualTo("order-42:created");
        assertThat(in.key()).isEqualTo("order-42");
        assertThat(in.topic()).isEqualTo(topic);
        assertThat(in.headers()).containsEntry(KeelHeaders.ID, "order-42:created").containsKey(KeelHeaders.TIMESTAMP);
        assertThat(in.timestamp()).isEqualTo(out.timestamp().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(in.deliveryCount()).isEqualTo(1);
        assertThat(Records.text(in)).isEqualTo("payload");
    }

    @Test
    void acknowledgedRecordsShouldBeGoneAndTheOthersRedelivered() throws Exception {
        String topic = declare(2);
        publish(topic, 100, 7);
        RecordingSink sink = new RecordingSink(false);
        BrokerConsumer consumer = adapter.consumer(settings(topic, 512));
        consumer.start(sink);
        await().atMost(WAIT).until(() -> sink.size() == 100);
        List<InboundRecord> records = new ArrayList<>(sink.records());
        Collections.shuffle(records, new java.util.Random(7));
        List<InboundRecord> acked = records.subList(0, 60);
        acked.parallelStream().forEach(InboundRecord::ack);
        consumer.close().toCompletableFuture().get(30, TimeUnit.SECONDS);

        RecordingSink again = new RecordingSink(true);
        BrokerConsumer second = adapter.consumer(settings(topic, 512));
        second.start(again);
        await().atMost(WAIT).until(() -> again.size() >= 40);
        assertThat(again.records()).hasSize(40);
        assertThat(again.records().stream().map(InboundRecord::id).collect(Collectors.toSet()))
                .isEqualTo(records.subList(60, 100).stream().map(InboundRecord::id).collect(Collectors.toSet()));
        second.close().toCompletableFuture().get(30, TimeUnit.SECONDS);
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            assertThat(raw.ready(topic + ".g.0") + raw.ready(topic + ".g.1")).isZero();
        }
    }

    @Test
    void abortShouldRedeliverUnacknowledgedRecordsWithAHigherDeliveryCount() throws Exception {
        String topic = declare(2);
        publish(topic, 30, 3);
        RecordingSink sink = new RecordingSink(false);
        BrokerConsumer consumer = adapter.consumer(settings(topic, 512));
        consumer.start(sink);
        await().atMost(WAIT).until(() -> sink.size() == 30);
        sink.records().subList(0, 10).forEach(InboundRecord::ack);
        ((RabbitConsumer) consumer).abort();
        sink.records().subList(10, 20).forEach(InboundRecord::ack); // after abort: ignored

        RecordingSink again = new RecordingSink(true);
        adapter.consumer(settings(topic, 512)).start(again);
        await().atMost(WAIT).until(() -> again.size() == 20);
        assertThat(again.records()).allSatisfy(r -> assertThat(r.deliveryCount()).isEqualTo(2));
        assertThat(again.records().stream().map(InboundRecord::id).collect(Collectors.toSet()))
                .isEqualTo(sink.records().subList(10, 30).stream().map(InboundRecord::id).collect(Collectors.toSet()));
    }

    @Test
    void pausedConsumerShouldHandNothingUntilResumed() throws Exception {
        String topic = declare(1);
        RecordingSink sink = new RecordingSink(false);
        BrokerConsumer consumer = adapter.consumer(settings(topic, 4)); // prefetch 4 on the one lane queue
        consumer.start(sink);
        consumer.pause();
        publish(topic, 10, 1);
        try (RawAmqp raw = new RawAmqp(adapter.config())) {
            // the broker pushed the prefetch (4) to the paused consumer, which holds them back
            await().atMost(WAIT).until(() -> raw.ready(topic + ".g.0") == 6);
            assertThat(sink.size()).isZero();
            consumer.resume();
            await().atMost(WAIT).until(() -> sink.size() == 4);
            sink.records().forEach(InboundRecord::ack);
            await().atMost(WAIT).until(() -> sink.size() == 8);
            assertThat(raw.ready(topic + ".g.0")).isEqualTo(2);
        }
        List<Integer> order = sink.records().stream().map(r -> Integer.parseInt(Records.text(r))).toList();
        assertThat(order).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void aJoiningMemberShouldTakeOverItsShareOfTheLanesWithoutLossOrReordering() throws Exception {
        String topic = declare(4);
        RecordingSink first = new RecordingSink(true);
        adapter.consumer(settings(topic, 64)).start(first);
        publish(topic, 40, 8, 0);
        await().atMost(WAIT).until(() -> first.size() == 40);
        RecordingSink second = new RecordingSink(true);
        try (RabbitAdapter other = new RabbitAdapter(RabbitTestSupport.config().build())) {
            other.consumer(settings(topic, 64)).start(second);
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger(40);
            await().atMost(WAIT).until(() -> { // the first member hands over 2 of its 4 lanes
                int from = next.getAndAdd(8);
                publish(topic, 8, 8, from);
                await().atMost(WAIT).until(() -> distinct(first, second).size() >= from + 8);
                return lanesOf(second, 0).size() >= 2;
            });
            int settled = next.get();
            publish(topic, 80, 8, settled);
            int total = settled + 80;
            await().atMost(WAIT).until(() -> distinct(first, second).size() == total);
            assertThat(lanesOf(second, settled)).hasSize(2);
            assertThat(lanesOf(first, settled)).hasSize(2).doesNotContainAnyElementsOf(lanesOf(second, settled));
            Map<String, List<Integer>> byKey = new LinkedHashMap<>();
            List<InboundRecord> all = new ArrayList<>(first.records());
            all.addAll(second.records());
            for (InboundRecord r : all) {
                byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(Integer.parseInt(Records.text(r)));
            }
            byKey.values().forEach(seq -> assertThat(seq).isSorted().doesNotHaveDuplicates());
        }
    }

    @Test
    void aConsumerClosedBeforeItsStartOpenedItsLanesShouldConsumeNothing() throws Exception {
        String topic = declare(2);
        publish(topic, 10, 10);
        RecordingSink sink = new RecordingSink(true);
        BrokerConsumer consumer = adapter.consumer(settings(topic, 64));
        // a close racing the start (a shutdown while subscribing) that came before the start opened its lanes
        consumer.close().toCompletableFuture().get(30, TimeUnit.SECONDS);
        consumer.start(sink);

        try (RawAmqp raw = new RawAmqp(RabbitTestSupport.config().build())) {
            for (int lane = 0; lane < 2; lane++) {
                assertThat(raw.channel().queueDeclarePassive(topic + ".g." + lane).getConsumerCount())
                        .as("consumers on lane %s", lane).isZero();
            }
        }
        assertThat(sink.size()).isZero();
    }

    @Test
    void aBroadcastConsumerClosedBeforeItsStartOpenedItsQueueShouldLeaveNoQueue() throws Exception {
        String topic = declare(2);
        BrokerConsumer consumer = adapter.consumer(new ConsumerSettings(topic, "g", 64, Duration.ofSeconds(5),
                java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.of("instance-1")));
        consumer.close().toCompletableFuture().get(30, TimeUnit.SECONDS); // a close racing the start came first
        consumer.start(new RecordingSink(true));

        try (RawAmqp raw = new RawAmqp(RabbitTestSupport.config().build())) {
            Channel channel = raw.connection().createChannel();
            assertThatThrownBy(() -> channel.queueDeclarePassive(topic + ".g.broadcast.instance-1"))
                    .as("the broadcast queue, consumed by nobody").hasStackTraceContaining("NOT_FOUND");
        }
    }

    /** The lane queues a sink received records from, counting records from sequence {@code from} on. */
    private static java.util.Set<String> lanesOf(RecordingSink sink, int from) {
        return sink.records().stream().filter(r -> Integer.parseInt(Records.text(r)) >= from)
                .map(InboundRecord::partition).collect(Collectors.toSet());
    }

    private static java.util.Set<String> distinct(RecordingSink a, RecordingSink b) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        a.records().forEach(r -> ids.add(r.id()));
        b.records().forEach(r -> ids.add(r.id()));
        return ids;
    }

    private String declare(int lanes) {
        String topic = RabbitTestSupport.unique("consume");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(lanes).group("g").build());
        return topic;
    }

    private void publish(String topic, int count, int keys) throws Exception {
        publish(topic, count, keys, 0);
    }

    private void publish(String topic, int count, int keys, int from) throws Exception {
        List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            sent.add(adapter.producer().send(Records.keyed(topic, "key-" + (i % keys), Integer.toString(i)))
                    .toCompletableFuture());
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }

    private static ConsumerSettings settings(String topic, int maxInFlight) {
        return new ConsumerSettings(topic, "g", maxInFlight, Duration.ofSeconds(5));
    }
}
