package dev.keel.kafka;

import static dev.keel.kafka.KafkaTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelHeaders;
import dev.keel.TopicSpec;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.InboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Work acknowledged above a gap (a slow message holds the committed offset back while later keys
 * finish) is recorded in the commit's metadata, and the partition's next owner skips it instead of
 * handling it again.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaAckedAboveGapTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final List<BrokerConsumer> open = new ArrayList<>();
    private KafkaAdapter adapter;
    private String topic;
    private String group;

    @BeforeEach
    void open() {
        adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
        topic = KafkaTestSupport.unique("gap");
        group = KafkaTestSupport.unique("group");
        adapter.ensureTopology(TopicSpec.builder(topic).partitions(1).build());
    }

    @AfterEach
    void close() {
        open.forEach(c -> c.close().toCompletableFuture().join());
        adapter.close();
    }

    @Test
    void recordsAckedAboveTheCommittedOffsetShouldNotBeDeliveredToTheNextOwner() throws Exception {
        publish(0, 10);
        RecordingSink first = new RecordingSink();
        BrokerConsumer firstConsumer = start(first);
        await().atMost(WAIT).until(() -> first.records.size() == 10);
        // offset 0 is still being handled; 1-4 and 6-9 are done, 5 is not
        first.records.stream().filter(r -> r.position() != 0 && r.position() != 5).forEach(InboundRecord::ack);
        firstConsumer.close().toCompletableFuture().join();
        open.remove(firstConsumer);
        assertThat(KafkaTestSupport.committed(bootstrap, group)).containsEntry(0, 0L);

        RecordingSink second = new RecordingSink();
        start(second);
        await().atMost(WAIT).until(() -> second.records.size() >= 2);
        publish(10, 1);
        await().atMost(WAIT).until(() -> second.records.stream().anyMatch(r -> r.position() == 10));

        assertThat(second.records).extracting(InboundRecord::position).containsExactly(0L, 5L, 10L);
        second.records.forEach(InboundRecord::ack);
        await().atMost(WAIT).until(() -> Long.valueOf(11).equals(KafkaTestSupport.committed(bootstrap, group).get(0)));
    }

    @Test
    void theNextOwnerShouldKeepTheRecordOfAckedWorkItHasNotReachedYet() throws Exception {
        publish(0, 10);
        RecordingSink first = new RecordingSink();
        BrokerConsumer firstConsumer = start(first);
        await().atMost(WAIT).until(() -> first.records.size() == 10);
        first.records.stream().filter(r -> r.position() >= 2).forEach(InboundRecord::ack);
        firstConsumer.close().toCompletableFuture().join();
        open.remove(firstConsumer);

        // the second owner acks offset 0 only and leaves; its commit must still say 2-9 are done
        RecordingSink second = new RecordingSink();
        BrokerConsumer secondConsumer = start(second);
        await().atMost(WAIT).until(() -> second.records.size() >= 2);
        assertThat(second.records).extracting(InboundRecord::position).containsExactly(0L, 1L);
        second.records.get(0).ack();
        await().atMost(WAIT).until(() -> Long.valueOf(1).equals(KafkaTestSupport.committed(bootstrap, group).get(0)));
        secondConsumer.close().toCompletableFuture().join();
        open.remove(secondConsumer);

        RecordingSink third = new RecordingSink();
        start(third);
        publish(10, 1);
        await().atMost(WAIT).until(() -> third.records.stream().anyMatch(r -> r.position() == 10));
        assertThat(third.records).extracting(InboundRecord::position).containsExactly(1L, 10L);
    }

    private BrokerConsumer start(RecordingSink sink) {
        BrokerConsumer consumer = adapter.consumer(new ConsumerSettings(topic, group, 100, Duration.ofSeconds(5)));
        open.add(consumer);
        consumer.start(sink);
        return consumer;
    }

    private void publish(int from, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> plain = KafkaTestSupport.plainProducer(bootstrap)) {
            for (int i = from; i < from + count; i++) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, 0, null, utf8("m" + i));
                r.headers().add(KeelHeaders.ID, utf8("m" + i));
                plain.send(r).get();
            }
        }
    }
}
