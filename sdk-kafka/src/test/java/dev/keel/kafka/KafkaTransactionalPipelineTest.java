package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.KeelException;
import dev.keel.KeelHeaders;
import dev.keel.Message;
import dev.keel.TopicNotFoundException;
import dev.keel.UnroutableException;
import dev.keel.faults.FaultProxy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    /**
     * From the moment a record of the pipeline is acknowledged, every byte through the harness's fault proxy takes
     * 5 s more each way, for 6 s, so the coordinator answers after {@code maxBlock} (2 s). With a long linger the
     * first records go out when the first commit flushes them, and the commit times out; with no linger the first
     * input's output is acknowledged while the second input is transformed, and the offsets, then the abort,
     * time out.
     */
    @ParameterizedTest(name = "a timeout of the {0}")
    @ValueSource(strings = {"commit", "offsets"})
    void aCoordinatorAnsweringLaterThanMaxBlockHoldsThePipelineUpWithoutStoppingIt(String step) throws Exception {
        KafkaEndpoint kafka = Brokers.kafka();
        assumeTrue(kafka.hasProxiedListener(), "needs the harness's local Kafka with its fault proxy");
        FaultProxy proxy = kafka.proxy();
        int count = 20;
        int more = 10;
        produceInputs(count, 1);
        ScheduledExecutorService healer = Executors.newSingleThreadScheduledExecutor();
        AtomicBoolean faulted = new AtomicBoolean();
        AtomicInteger seen = new AtomicInteger();
        Runnable fault = () -> {
            proxy.latency(Duration.ofSeconds(5));
            faulted.set(true);
            healer.schedule(proxy::heal, 6, TimeUnit.SECONDS);
        };
        boolean atCommit = step.equals("commit");
        if (atCommit) {
            AckTrigger.arm(fault);
        }

        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(kafka.proxiedBootstrapServers())
                .maxBlock(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(3))
                .linger(atCommit ? Duration.ofSeconds(20) : Duration.ZERO).deliveryTimeout(Duration.ofSeconds(60))
                .property(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, AckTrigger.class.getName()).build());
             TransactionalPipeline pipeline = adapter.transactionalPipeline(PipelineConfig.builder(input, group,
                     transactionalId).maxBatch(5).build(), in -> {
                         int n = seen.incrementAndGet();
                         if (!atCommit && n == 1) {
                             AckTrigger.arm(fault);
                         } else if (!atCommit && n == 2) {
                             await().atMost(PATIENCE).until(faulted::get);
                         }
                         return List.of(new PipelineOutput(output, Message.builder(in.payload()).build()));
                     })) {
            await().atMost(PATIENCE).until(() -> committedInputs() == count || !pipeline.isRunning());
            assertThat(faulted).as("the fault was injected").isTrue();
            assertThat(pipeline.failure()).as("why the pipeline stopped").isEmpty();

            produceMore(count, more);
            await().atMost(PATIENCE).until(() -> committedInputs() == count + more || !pipeline.isRunning());
            assertThat(pipeline.failure()).as("why the pipeline stopped after the fault healed").isEmpty();
            assertThat(pipeline.isRunning()).isTrue();
        } finally {
            AckTrigger.disarm();
            healer.shutdownNow();
            proxy.heal();
        }

        assertThat(committedInputs()).as("the input offsets").isEqualTo(count + more);
        assertThat(readAll("read_committed")).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .as("each input's output, once").hasSize(count + more).doesNotHaveDuplicates();
    }

    /**
     * A transform's own failure is the batch's, whatever it is or its causes hold: a fencing of some transactional client
     * of the transform's own is not the pipeline's producer fenced, so the batch is aborted and read again rather
     * than the pipeline stopped.
     */
    @Test
    void aTransformFailureCausedByAFencingOfItsOwnIsRetriedLikeAnyTransformFailure() throws Exception {
        int count = 6;
        produceInputs(count, 1);
        AtomicBoolean failed = new AtomicBoolean();
        AtomicBoolean failedUnwrapped = new AtomicBoolean();

        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             TransactionalPipeline pipeline = adapter.transactionalPipeline(PipelineConfig.builder(input, group,
                     transactionalId).build(), in -> {
                         if (failed.compareAndSet(false, true)) {
                             throw new IllegalStateException("the transform's own ledger client failed",
                                     new ProducerFencedException("the ledger's producer was fenced"));
                         }
                         if (failedUnwrapped.compareAndSet(false, true)) {
                             throw new ProducerFencedException("the ledger's producer was fenced, thrown as it is");
                         }
                         return List.of(new PipelineOutput(output, Message.builder(in.payload()).build()));
                     })) {
            await().atMost(PATIENCE).until(() -> committedInputs() == count || !pipeline.isRunning());
            assertThat(pipeline.failure()).as("the pipeline's failure").isEmpty();
            assertThat(pipeline.isRunning()).isTrue();
        }
        assertThat(readAll("read_committed")).as("each input's output, once").hasSize(count);
    }

    @Test
    void anAbortedFirstBatchIsReadAgainWhenItsPartitionHasNoCommittedOffsetAndTheResetIsLatest() throws Exception {
        KafkaTestSupport.createTopic(bootstrap, input, 1);
        KafkaTestSupport.createTopic(bootstrap, output, 1);
        AtomicReference<String> first = new AtomicReference<>();
        Map<String, AtomicInteger> transformed = new ConcurrentHashMap<>();
        AtomicInteger probes = new AtomicInteger();

        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).autoOffsetReset("latest")
                .build());
             TransactionalPipeline pipeline = adapter.transactionalPipeline(PipelineConfig.builder(input, group,
                     transactionalId).build(), in -> {
                         String text = new String(in.payload(), StandardCharsets.UTF_8);
                         transformed.computeIfAbsent(text, t -> new AtomicInteger()).incrementAndGet();
                         if (first.compareAndSet(null, text)) {
                             throw new IllegalStateException("injected failure of the first batch, at " + text);
                         }
                         return List.of(new PipelineOutput(output, Message.builder(
                                 text.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8)).build()));
                     });
             KafkaProducer<byte[], byte[]> producer = KafkaTestSupport.plainProducer(bootstrap)) {
            // "latest": the pipeline reads what is written after its consumer took its position; write until it reads
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> {
                producer.send(new ProducerRecord<>(input, KafkaTestSupport.utf8("p-" + probes.getAndIncrement()))).get();
                return first.get() != null;
            });
            // and on until it transformed a later one
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> {
                producer.send(new ProducerRecord<>(input, KafkaTestSupport.utf8("p-" + probes.getAndIncrement()))).get();
                return transformed.size() > 1;
            });
            await().atMost(PATIENCE).until(() -> committedInputs() == probes.get() || !pipeline.isRunning());
            assertThat(pipeline.failure()).isEmpty();
        }

        // offsets are the probes' numbers: every input from the first one read on has its output, once
        int firstRead = Integer.parseInt(first.get().substring(2));
        List<String> expected = new ArrayList<>();
        for (int i = firstRead; i < probes.get(); i++) {
            expected.add("P-" + i);
        }
        assertThat(readAll("read_committed")).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .as("outputs of the inputs from the first one read (" + first.get() + ")")
                .containsExactlyInAnyOrderElementsOf(expected);
    }

    /**
     * The first batch (offsets 0-4) outlives {@code transaction.timeout.ms}: the transform of offset 1 waits until
     * the coordinator has aborted the transaction that offset 0's output opened. What the producer sends next meets
     * the bumped epoch: a record (the partition leader answers {@code InvalidProducerEpochException}, which an abort
     * clears) or, when the rest of the batch has no outputs, the offsets (the coordinator answers
     * {@code ProducerFencedException}: the producer is defunct and a new one takes the id).
     */
    @ParameterizedTest(name = "outputs after the abort: {0}")
    @ValueSource(booleans = {true, false})
    void aBatchLongerThanTheTransactionTimeoutIsReadAgainAndThePipelineKeepsRunning(boolean outputsAfterTheAbort)
            throws Exception {
        int count = 10;
        produceInputs(count, 1);
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        AtomicBoolean held = new AtomicBoolean();

        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap)
                .property(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "2000").build());
             Admin admin = KafkaTestSupport.admin(bootstrap);
             TransactionalPipeline pipeline = adapter.transactionalPipeline(PipelineConfig.builder(input, group,
                     transactionalId).maxBatch(5).build(), in -> {
                         long offset = Long.parseLong(in.id().substring(in.id().lastIndexOf('-') + 1));
                         boolean first = seen.add(offset);
                         if (offset == 1 && first && held.compareAndSet(false, true)) {
                             // the abort's states, which stay while this transform holds the producer: waiting
                             // to see ONGOING first could miss it (2 to 12 s) on a descheduled thread, for good
                             await().atMost(PATIENCE).until(() -> {
                                 TransactionState state = transactionState(admin);
                                 return state == TransactionState.PREPARE_ABORT
                                         || state == TransactionState.COMPLETE_ABORT;
                             });
                         }
                         if (!outputsAfterTheAbort && first && offset >= 1 && offset <= 4) {
                             return List.of();
                         }
                         return List.of(new PipelineOutput(output, Message.builder(in.payload()).build()));
                     })) {
            await().atMost(PATIENCE).until(() -> committedInputs() == count || !pipeline.isRunning());
            assertThat(pipeline.failure()).as("why the pipeline stopped").isEmpty();
            assertThat(pipeline.isRunning()).isTrue();
        }

        assertThat(held).isTrue();
        assertThat(readAll("read_committed")).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .as("each input's output, once").hasSize(count).doesNotHaveDuplicates();
    }

    @Test
    void aPipelineFencedByAnotherInstanceWithItsTransactionalIdStopsAndTheOtherFinishes() throws Exception {
        int count = 20;
        produceInputs(count, 2);
        RecordTransform copy = in -> List.of(new PipelineOutput(output, Message.builder(in.payload()).build()));

        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             TransactionalPipeline first = adapter.transactionalPipeline(PipelineConfig.builder(input, group,
                     transactionalId).maxBatch(2).build(), copy)) {
            await().atMost(PATIENCE).until(() -> committedInputs() > 0);
            // a second instance mistakenly given the same id: its initTransactions fences the first
            try (TransactionalPipeline second = adapter.transactionalPipeline(PipelineConfig.builder(input, group,
                    transactionalId).maxBatch(2).build(), copy)) {
                produceMore(count, count);
                await().atMost(PATIENCE).until(() -> !first.isRunning());
                assertThat(first.failure()).get().isInstanceOf(ProducerFencedException.class);
                await().atMost(PATIENCE).until(() -> committedInputs() == 2L * count);
                assertThat(second.isRunning()).isTrue();
            }
        }

        assertThat(readAll("read_committed")).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .as("each input's output, once").hasSize(2 * count).doesNotHaveDuplicates();
    }

    @Test
    void aBatchStillTransformingWhenCloseReturnsIsAbortedNotCommitted() throws Exception {
        int count = 6;
        produceInputs(count, 1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean blocked = new AtomicBoolean();
        RecordTransform copy = in -> List.of(new PipelineOutput(output, Message.builder(in.payload()).build()));

        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap)
                .closeTimeout(Duration.ofSeconds(1)).build());
             Admin admin = KafkaTestSupport.admin(bootstrap)) {
            TransactionalPipeline pipeline = adapter.transactionalPipeline(PipelineConfig.builder(input, group,
                    transactionalId).maxBatch(count).build(), in -> {
                        if (blocked.compareAndSet(false, true)) {
                            release.await();       // a transform that outlasts close()
                        }
                        return copy.apply(in);
                    });
            await().atMost(PATIENCE).until(blocked::get);
            pipeline.close();
            assertThat(pipeline.isRunning()).isFalse();
            release.countDown();
            // the loop ends on its own once the transform returns: its consumer leaves the group
            await().atMost(PATIENCE).until(() -> admin.describeConsumerGroups(List.of(group)).describedGroups()
                    .get(group).get().members().isEmpty());
            assertThat(committedInputs()).as("input offsets committed after close() returned").isZero();
            assertThat(readAll("read_committed")).as("outputs committed after close() returned").isEmpty();

            try (TransactionalPipeline next = adapter.transactionalPipeline(PipelineConfig.builder(input, group,
                    transactionalId).build(), copy)) {
                await().atMost(PATIENCE).until(() -> committedInputs() == count);
                assertThat(next.failure()).isEmpty();
            }
        }

        assertThat(readAll("read_committed")).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .as("each input's output, once").hasSize(count).doesNotHaveDuplicates();
    }

    @Test
    void aDelayedOutputStopsThePipelineWithATypedErrorAndNothingOfItsBatchCommits() throws Exception {
        produceInputs(3, 1);

        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             TransactionalPipeline pipeline = adapter.transactionalPipeline(PipelineConfig.builder(input, group,
                     transactionalId).build(), in -> List.of(new PipelineOutput(output,
                     Message.builder(in.payload()).delay(Duration.ofSeconds(60)).build())))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !pipeline.isRunning());
            assertThat(pipeline.failure()).get().isInstanceOf(IllegalArgumentException.class)
                    .extracting(Throwable::getMessage).asString().contains("cannot be delayed", output);
        }

        assertThat(committedInputs()).as("input offsets committed").isZero();
        assertThat(readAll("read_committed")).as("outputs committed").isEmpty();
    }

    @Test
    void anOutputToAMissingTopicStopsThePipelineWithATypedErrorWithoutCreatingTheTopicOrAdvancingTheInput()
            throws Exception {
        // the harness broker creates a topic on a producer's first metadata request for it (auto.create.topics.enable)
        KafkaTestSupport.createTopic(bootstrap, input, 2);
        produceMore(0, 5);

        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             TransactionalPipeline pipeline = adapter.transactionalPipeline(PipelineConfig.builder(input, group,
                     transactionalId).build(), in -> List.of(new PipelineOutput(output,
                     Message.builder(in.payload()).key(in.key()).build())))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !pipeline.isRunning());
            assertThat(pipeline.failure()).get().isInstanceOf(UnroutableException.class)
                    .satisfies(e -> assertThat(((KeelException) e).isRetriable()).isFalse())
                    .extracting(Throwable::getMessage).asString().contains(output, "ensureTopology");
        }

        assertThat(topicExists(output)).as("output topic created").isFalse();
        assertThat(committedInputs()).as("input offsets committed").isZero();
    }

    @Test
    void aPipelineOnAMissingInputTopicIsRefusedAtStartNamingIt() throws Exception {
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build())) {
            assertThatThrownBy(() -> adapter.transactionalPipeline(PipelineConfig.builder(input, group,
                    transactionalId).build(), in -> List.of()).close())
                    .isInstanceOf(TopicNotFoundException.class).hasMessageContaining(input)
                    .hasMessageContaining("ensureTopology");
        }

        assertThat(topicExists(input)).as("input topic created").isFalse();
    }

    @Test
    void anOutputKeepsItsPriorityAsTheKeelPriorityHeader() throws Exception {
        int count = 3;
        produceInputs(count, 1);

        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             TransactionalPipeline pipeline = adapter.transactionalPipeline(PipelineConfig.builder(input, group,
                     transactionalId).build(), in -> List.of(new PipelineOutput(output,
                     Message.builder(in.payload()).priority(5).build())))) {
            await().atMost(PATIENCE).until(() -> committedInputs() == count);
            assertThat(pipeline.failure()).isEmpty();
        }

        assertThat(readAll("read_committed")).hasSize(count).extracting(r -> header(r, KeelHeaders.PRIORITY))
                .containsOnly("5");
    }

    private boolean topicExists(String topic) throws Exception {
        try (Admin admin = KafkaTestSupport.admin(bootstrap)) {
            return admin.listTopics().names().get().contains(topic);
        }
    }

    private TransactionState transactionState(Admin admin) throws Exception {
        return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get().state();
    }

    private void produceMore(int from, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestSupport.plainProducer(bootstrap)) {
            for (int i = from; i < from + count; i++) {
                producer.send(new ProducerRecord<>(input, KafkaTestSupport.utf8("k" + (i % 5)),
                        KafkaTestSupport.utf8("m-" + i))).get();
            }
        }
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
        return KafkaTestSupport.readAll(bootstrap, output, isolation, PATIENCE);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
