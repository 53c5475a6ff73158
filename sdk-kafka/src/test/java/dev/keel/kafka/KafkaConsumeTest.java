package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelHeaders;
import dev.keel.TopicSpec;
import dev.keel.kafka.internal.ForwardingConsumer;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import dev.keel.spi.OutboundRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;

/** The consumer side of the adapter at the SPI level (the test plays the engine), on a real broker. */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaConsumeTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final List<BrokerConsumer> consumers = new ArrayList<>();
    private KafkaAdapter adapter;
    private String topic;
    private String group;

    @BeforeEach
    void open() {
        adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
        topic = KafkaTestSupport.unique("consume");
        group = KafkaTestSupport.unique("group");
    }

    @AfterEach
    void close() {
        consumers.forEach(c -> c.close().toCompletableFuture().join());
        adapter.close();
    }

    private BrokerConsumer start(RecordingSink sink, int maxInFlight, Duration revokeTimeout) {
        BrokerConsumer consumer = adapter.consumer(new ConsumerSettings(topic, group, maxInFlight, revokeTimeout));
        consumers.add(consumer);
        consumer.start(sink);
        return consumer;
    }

    private RecordingSink startDefault() {
        RecordingSink sink = new RecordingSink();
        start(sink, 100, Duration.ofSeconds(5));
        return sink;
    }

    private void publish(int count, String key) {
        publish(count, key, 0);
    }

    private void publish(int count, String key, int from) {
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            String id = key + "-" + i;
            sends.add(adapter.producer().send(new OutboundRecord(topic, id, key, Map.of(KeelHeaders.ID, id),
                    utf8("m" + i), Instant.now())).toCompletableFuture());
        }
        sends.forEach(CompletableFuture::join);
    }

    private Map<Integer, Long> committed() throws Exception {
        return KafkaTestSupport.committed(bootstrap, group);
    }

    @Test
    void recordsShouldArriveInPartitionOrderWithKeelIdsOrTopicPartitionOffset() throws Exception {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        publish(3, "k");
        try (KafkaProducer<byte[], byte[]> plain = KafkaTestSupport.plainProducer(bootstrap)) {
            ProducerRecord<byte[], byte[]> raw = new ProducerRecord<>(topic, null, utf8("plain"));
            raw.headers().add("origin", utf8("legacy"));
            plain.send(raw).get();
        }

        RecordingSink sink = startDefault();

        await().atMost(WAIT).until(() -> sink.records.size() == 4);
        List<InboundRecord> got = sink.records;
        assertThat(got).extracting(InboundRecord::position).containsExactly(0L, 1L, 2L, 3L);
        assertThat(got).extracting(InboundRecord::partition).containsOnly("0");
        assertThat(got).extracting(InboundRecord::id).containsExactly("k-0", "k-1", "k-2", topic + "-0-3");
        assertThat(got.get(0).key()).isEqualTo("k");
        assertThat(got.get(3).key()).isNull();
        assertThat(got.get(3).headers()).containsEntry("origin", "legacy");
        assertThat(got).extracting(InboundRecord::deliveryCount).containsOnly(1);
        assertThat(sink.payloads()).containsExactly("m0", "m1", "m2", "plain");
    }

    @Test
    void commitShouldStopBeforeTheFirstUnacknowledgedOffset() throws Exception {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        publish(10, "k");
        RecordingSink sink = startDefault();
        await().atMost(WAIT).until(() -> sink.records.size() == 10);

        for (int offset : new int[] {0, 1, 2, 4, 5, 6}) {
            sink.records.get(offset).ack();
        }
        await().atMost(WAIT).until(() -> Long.valueOf(3).equals(committed().get(0)));

        sink.records.get(3).ack();
        await().atMost(WAIT).until(() -> Long.valueOf(7).equals(committed().get(0)));
    }

    @Test
    void closeShouldCommitWhatWasAcknowledgedAndLeaveTheRestToTheGroup() throws Exception {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        publish(10, "k");
        RecordingSink first = new RecordingSink();
        BrokerConsumer consumer = start(first, 100, Duration.ofSeconds(5));
        await().atMost(WAIT).until(() -> first.records.size() == 10);
        first.records.subList(0, 5).forEach(InboundRecord::ack);

        consumer.close().toCompletableFuture().join();
        consumers.remove(consumer);

        assertThat(committed()).containsEntry(0, 5L);
        RecordingSink second = startDefault();
        await().atMost(WAIT).until(() -> second.records.size() == 5);
        assertThat(second.records).extracting(InboundRecord::position).containsExactly(5L, 6L, 7L, 8L, 9L);
    }

    @Test
    void abortShouldCommitNothingMoreAndIgnoreLaterAcks() throws Exception {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        publish(10, "k");
        RecordingSink first = new RecordingSink();
        BrokerConsumer consumer = start(first, 100, Duration.ofSeconds(5));
        await().atMost(WAIT).until(() -> first.records.size() == 10);
        first.records.subList(0, 3).forEach(InboundRecord::ack);
        await().atMost(WAIT).until(() -> Long.valueOf(3).equals(committed().get(0)));

        ((ForwardingConsumer) consumer).abort();
        first.records.subList(3, 10).forEach(InboundRecord::ack);
        consumer.close().toCompletableFuture().join();
        consumers.remove(consumer);

        assertThat(committed()).containsEntry(0, 3L);
        RecordingSink second = startDefault();
        await().atMost(WAIT).until(() -> second.records.size() == 7);
        assertThat(second.records.get(0).position()).isEqualTo(3L);
    }

    @Test
    void batchesShouldNotExceedTheEnginesInFlightBound() {
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
        publish(40, "k");
        RecordingSink sink = new RecordingSink();
        start(sink, 7, Duration.ofSeconds(5));

        await().atMost(WAIT).until(() -> sink.records.size() == 40);
        assertThat(sink.batchSizes).allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(7));
    }

    @Test
    void pauseShouldStopDeliveriesWhilePollingKeepsTheGroupMembership() throws Exception {
        adapter.close();
        // a consumer that stopped polling would be evicted after 2 s; a paused one must not be
        adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap)
                .property(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "2000").build());
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
        publish(4, "a");
        RecordingSink sink = new RecordingSink();
        BrokerConsumer consumer = start(sink, 100, Duration.ofSeconds(5));
        await().atMost(WAIT).until(() -> sink.records.size() == 4);

        consumer.pause();
        publish(6, "a", 4);
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).until(() -> sink.records.size() == 4);
        String member;
        try (var admin = KafkaTestSupport.admin(bootstrap)) {
            var description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            assertThat(description.groupState()).isEqualTo(org.apache.kafka.common.GroupState.STABLE);
            assertThat(description.members()).hasSize(1);
            member = description.members().iterator().next().consumerId();
        }
        assertThat(sink.revokes).isEmpty();

        consumer.resume();
        await().atMost(WAIT).until(() -> sink.records.size() == 10);
        try (var admin = KafkaTestSupport.admin(bootstrap)) {
            var description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            assertThat(description.members()).extracting(m -> m.consumerId()).containsExactly(member);
        }
    }
}
