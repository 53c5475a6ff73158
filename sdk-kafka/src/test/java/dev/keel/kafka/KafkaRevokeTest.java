package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelHeaders;
import dev.keel.TopicSpec;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;

/** Rebalance hand-over at the SPI level: revoke, wait for the engine, commit, let go. */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaRevokeTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final List<BrokerConsumer> consumers = new ArrayList<>();
    private KafkaAdapter adapter;
    private String topic;
    private String group;

    @BeforeEach
    void open() {
        adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
        topic = KafkaTestSupport.unique("revoke");
        group = KafkaTestSupport.unique("group");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
    }

    @AfterEach
    void close() {
        consumers.forEach(c -> c.close().toCompletableFuture().join());
        adapter.close();
    }

    private BrokerConsumer start(RecordingSink sink, Duration revokeTimeout) {
        BrokerConsumer consumer = adapter.consumer(new ConsumerSettings(topic, group, 100, revokeTimeout));
        consumers.add(consumer);
        consumer.start(sink);
        return consumer;
    }

    private void publish(int partition, int from, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> plain = KafkaTestSupport.plainProducer(bootstrap)) {
            for (int i = from; i < from + count; i++) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, partition, null, utf8("p" + partition + "-" + i));
                r.headers().add(KeelHeaders.ID, utf8("p" + partition + "-" + i));
                plain.send(r).get();
            }
        }
    }

    private static List<InboundRecord> of(RecordingSink sink, String partition) {
        return sink.records.stream().filter(r -> r.partition().equals(partition)).toList();
    }

    @Test
    void revokeShouldLetTheEngineFinishThenCommitBeforeHandingOver() throws Exception {
        publish(0, 0, 10);
        publish(1, 0, 10);
        RecordingSink first = new RecordingSink();
        start(first, Duration.ofSeconds(10));
        await().atMost(WAIT).until(() -> first.records.size() == 20);
        // the "engine" finishes the revoked partitions' work asynchronously, then completes the revoke
        first.onRevoke(partitions -> CompletableFuture.runAsync(() -> first.records.stream()
                .filter(r -> partitions.contains(r.partition())).forEach(InboundRecord::ack)));

        RecordingSink second = new RecordingSink();
        start(second, Duration.ofSeconds(10));
        await().atMost(WAIT).until(() -> !first.revokes.isEmpty());
        String moved = first.revokes.get(0).get(0);
        assertThat(first.revokes.get(0)).hasSize(1);
        await().atMost(WAIT).until(() -> Long.valueOf(10)
                .equals(KafkaTestSupport.committed(bootstrap, group).get(Integer.parseInt(moved))));

        publish(Integer.parseInt(moved), 10, 1);
        await().atMost(WAIT).until(() -> second.records.size() == 1);
        assertThat(second.records.get(0).position()).as("the new owner starts after the committed work").isEqualTo(10L);
        assertThat(of(first, moved)).hasSize(10);
    }

    @Test
    void revokeBeyondItsBoundShouldHandOverWithWhatWasAcknowledgedAndIgnoreLateAcks() throws Exception {
        publish(0, 0, 10);
        publish(1, 0, 10);
        RecordingSink first = new RecordingSink();
        start(first, Duration.ofSeconds(1));
        await().atMost(WAIT).until(() -> first.records.size() == 20);
        of(first, "0").subList(0, 4).forEach(InboundRecord::ack);
        of(first, "1").subList(0, 4).forEach(InboundRecord::ack);
        first.onRevoke(partitions -> new CompletableFuture<>()); // the engine never finishes

        RecordingSink second = new RecordingSink();
        start(second, Duration.ofSeconds(1));
        await().atMost(WAIT).until(() -> second.records.size() == 6);
        String moved = first.revokes.get(0).get(0);
        String kept = moved.equals("0") ? "1" : "0";
        assertThat(second.records).extracting(InboundRecord::position).containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(second.records).extracting(InboundRecord::partition).containsOnly(moved);

        of(first, moved).forEach(InboundRecord::ack); // too late: the partition has a new owner
        of(first, kept).subList(4, 10).forEach(InboundRecord::ack);
        await().atMost(WAIT).until(() -> Long.valueOf(10)
                .equals(KafkaTestSupport.committed(bootstrap, group).get(Integer.parseInt(kept))));
        Map<Integer, Long> committed = KafkaTestSupport.committed(bootstrap, group);
        assertThat(committed).containsEntry(Integer.parseInt(moved), 4L);
    }
}
