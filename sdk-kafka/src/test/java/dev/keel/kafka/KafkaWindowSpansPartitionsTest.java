package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelHeaders;
import dev.keel.SubscriptionConfig;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.ConsumerSettings;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A subscription's window (its default {@code maxInFlight}, 2,048) fills with records of every partition its consumer
 * owns, not with one partition's. kafka-clients returns one partition's fetched records before the next one's, and
 * with its own 1 MiB per partition a backlog of small records filled the whole window from one partition, so from a
 * quarter of the keys: under EFFECTIVELY_ONCE with a store a network hop away, each key waits for its previous
 * message's done mark, and fewer keys at once meant less throughput (docs/performance.md, item 2).
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaWindowSpansPartitionsTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int PARTITIONS = 4;
    private static final int PER_PARTITION = 3_000;

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private KafkaAdapter adapter;
    private BrokerConsumer consumer;

    @AfterEach
    void close() {
        if (consumer != null) {
            consumer.close().toCompletableFuture().join();
        }
        if (adapter != null) {
            adapter.close();
        }
    }

    @Test
    void aBacklogOfSmallRecordsShouldFillTheDefaultWindowFromEveryPartition() throws Exception {
        String topic = KafkaTestSupport.unique("window-spans");
        KafkaTestSupport.createTopic(bootstrap, topic, PARTITIONS);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 20),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int p = 0; p < PARTITIONS; p++) {
                for (int i = 0; i < PER_PARTITION; i++) {
                    String id = "p" + p + "-" + i;
                    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, p,
                            ("k" + p + "-" + (i % 25)).getBytes(StandardCharsets.UTF_8), new byte[200]);
                    record.headers().add(KeelHeaders.ID, id.getBytes(StandardCharsets.UTF_8));
                    producer.send(record);
                }
            }
            producer.flush();
        }
        adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
        int window = SubscriptionConfig.DEFAULT_MAX_IN_FLIGHT;
        List<String> arrived = new CopyOnWriteArrayList<>();
        consumer = adapter.consumer(new ConsumerSettings(topic, KafkaTestSupport.unique("g"), window,
                Duration.ofSeconds(5)));
        consumer.start(new DeliverySink() {
            @Override
            public void accept(List<InboundRecord> records) {
                records.forEach(r -> arrived.add(r.partition()));
            }

            @Override
            public CompletionStage<Void> revoke(Collection<String> partitions) {
                return CompletableFuture.completedFuture(null);
            }
        });

        await().atMost(WAIT).until(() -> arrived.size() >= window);
        assertThat(List.copyOf(arrived).subList(0, window)).as("the partitions of the first %d records to arrive", window)
                .containsAll(List.of("0", "1", "2", "3"));
    }
}
