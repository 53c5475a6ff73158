package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Consume-transform-produce on Kafka transactions, on the real broker: every input's output is visible
 * exactly once to {@code read_committed} readers, also when a batch aborts and is processed again, and
 * when the pipeline's process is killed with kill -9 inside an open transaction and a new instance with
 * the same transactional id takes over.
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaTransactionalPipelineTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String input = KafkaTestSupport.unique("pipeline-in");
    private final String output = KafkaTestSupport.unique("pipeline-out");
    private final String group = KafkaTestSupport.unique("pipeline");
    private final String transactionalId = KafkaTestSupport.unique("pipeline-tx");

    @Test
    void aBatchThatFailsIsAbortedAndItsOutputsAppearOnceForReadCommittedReaders() throws Exception {
        int count = 40;
        produceInputs(count, 2);
        Map<String, AtomicInteger> transformed = new ConcurrentHashMap<>();
        AtomicBoolean failed = new AtomicBoolean();

        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             TransactionalPipeline pipeline = adapter.transactionalPipeline(PipelineConfig.builder(input, group,
                     transactionalId).maxBatch(8).build(), in -> {
                         String text = new String(in.payload(), StandardCharsets.UTF_8);
                         transformed.computeIfAbsent(text, t -> new AtomicInteger()).incrementAndGet();
                         if (text.equals("m-17") && failed.compareAndSet(false, true)) {
                             throw new IllegalStateException("injected failure on m-17");
                         }
                         return List.of(new PipelineOutput(output, Message.builder(
                                 text.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8)).key(in.key()).build()));
                     })) {
            await().atMost(PATIENCE).until(() -> committedInputs() == count);
            assertThat(pipeline.isRunning()).isTrue();
            assertThat(pipeline.failure()).isEmpty();
        }

        assertThat(failed).isTrue();
        assertThat(transformed.get("m-17")).as("m-17 was processed again after its batch aborted").hasValueGreaterThan(1);
        List<ConsumerRecord<byte[], byte[]>> committed = readAll("read_committed");
        assertThat(committed).hasSize(count);
        assertThat(committed).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).doesNotHaveDuplicates()
                .contains("M-0", "M-17", "M-39");
        assertThat(committed).extracting(r -> header(r, KeelHeaders.ID)).doesNotHaveDuplicates()
                .allMatch(id -> id.startsWith(input + "-") && id.endsWith("-0"));
    }

    @Test
    void aPipelineKilledInsideATransactionIsTakenOverWithEachOutputOnce() throws Exception {
        int count = 60;
        int blockAfter = 25;
        produceInputs(count, 1);

        try (ForkedJvm victim = ForkedJvm.builder(PipelineVictimMain.class)
                .args(bootstrap, input, output, group, transactionalId, String.valueOf(blockAfter), "10")
                .systemProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn")
                .start()) {
            victim.awaitLineContaining("blocking on", PATIENCE);
            // what the victim transformed is in the log, part of it inside its open transaction
            await().atMost(PATIENCE).until(() -> readAll("read_uncommitted").size() >= blockAfter);
            assertThat(readAll("read_committed").size()).as("outputs committed before the kill").isLessThan(blockAfter);
            assertThat(victim.kill()).isEqualTo(137);
        }

        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             TransactionalPipeline survivor = adapter.transactionalPipeline(PipelineConfig.builder(input, group,
                     transactionalId).maxBatch(10).build(), in -> List.of(new PipelineOutput(output,
                     Message.builder(in.payload()).build())))) {
            await().atMost(PATIENCE).until(() -> committedInputs() == count);
            assertThat(survivor.failure()).isEmpty();
        }

        List<ConsumerRecord<byte[], byte[]>> committed = readAll("read_committed");
        assertThat(committed).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).hasSize(count)
                .doesNotHaveDuplicates();
        assertThat(readAll("read_uncommitted").size()).as("the aborted transaction's records are in the log")
                .isGreaterThan(count);
    }

    private void produceInputs(int count, int partitions) throws Exception {
        KafkaTestSupport.createTopic(bootstrap, input, partitions);
        KafkaTestSupport.createTopic(bootstrap, output, 1);
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestSupport.plainProducer(bootstrap)) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(input, KafkaTestSupport.utf8("k" + (i % 5)),
                        KafkaTestSupport.utf8("m-" + i))).get();
            }
        }
    }

    /** How many input records the pipeline's group has committed, over all partitions. */
    private long committedInputs() throws Exception {
        return KafkaTestSupport.committed(bootstrap, group).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Every output record up to the end the isolation level lets a reader see. */
    private List<ConsumerRecord<byte[], byte[]>> readAll(String isolation) {
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            TopicPartition partition = new TopicPartition(output, 0);
            reader.assign(Set.of(partition));
            reader.seekToBeginning(Set.of(partition));
            long end = reader.endOffsets(Set.of(partition)).get(partition);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            await().atMost(PATIENCE).until(() -> {
                reader.poll(Duration.ofMillis(200)).forEach(records::add);
                return reader.position(partition) >= end;
            });
            return records;
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
