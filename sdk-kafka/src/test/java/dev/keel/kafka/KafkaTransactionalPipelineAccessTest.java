package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.AccessRefusedException;
import dev.keel.Message;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.SecuredKafka;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A transactional pipeline on a Kafka with an authorizer, as a user with the least ACLs docs/security.md lists for
 * it: it processes each input once with them, and with any one of them missing it is refused with an
 * {@link AccessRefusedException} naming what to grant, commits no input and writes no output; started again once the
 * grant is there, it processes every input once.
 */
@Tag("secured")
@UsesBrokers(BrokerKind.KAFKA)
class KafkaTransactionalPipelineAccessTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final int INPUTS = 12;

    /** One of the least grants, left out. */
    enum Missing {
        /** Refused at start, by {@code initTransactions}. */
        TRANSACTIONAL_ID_WRITE("TransactionalId"),
        /** Describe on the output topic granted, Write not: refused by the transaction's produce. */
        OUTPUT_WRITE("WRITE"),
        /** No ACL on the output topic: refused by the check that it exists. */
        ANY_OUTPUT_ACL("DESCRIBE"),
        /** Refused by the group coordinator. */
        GROUP_READ("READ");

        private final String named;

        Missing(String named) {
            this.named = named;
        }
    }

    private final SecuredKafka kafka = SecuredKafka.local();
    private final String setup = kafka.superUserBootstrapServers();
    private final String input = KafkaTestSupport.unique("tx-in");
    private final String output = KafkaTestSupport.unique("tx-out");
    private final String group = KafkaTestSupport.unique("tx-group");
    private final String transactionalId = KafkaTestSupport.unique("tx-id");
    private final String user = "tx-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();

    @Test
    void aPipelineWithTheLeastGrantsShouldProcessEachInputOnce() throws Exception {
        writeInputs();
        kafka.putUser(user, password);
        grantAllBut(null);
        try {
            runToTheEnd();
        } finally {
            kafka.revokeAll(user);
        }
        assertEachInputProcessedOnce();
    }

    @ParameterizedTest(name = "without {0}")
    @EnumSource(Missing.class)
    void aPipelineMissingOneGrantShouldBeRefusedNamingItAndCommitNothing(Missing missing) throws Exception {
        writeInputs();
        kafka.putUser(user, password);
        grantAllBut(missing);
        try {
            Throwable refusal = refusal();
            assertThat(refusal).as("why the pipeline was refused or stopped").isInstanceOf(AccessRefusedException.class);
            assertThat(refusal.getMessage()).contains(missing == Missing.TRANSACTIONAL_ID_WRITE ? transactionalId
                    : missing == Missing.GROUP_READ ? group : output).contains(missing.named).doesNotContain(password);
            assertThat(((AccessRefusedException) refusal).isRetriable()).isFalse();
            assertThat(KafkaTestSupport.committed(setup, group)).as("inputs committed").isEmpty();
            assertThat(KafkaTestSupport.readAll(setup, output, "read_committed", PATIENCE))
                    .as("outputs committed").isEmpty();

            grantAllBut(null);
            runToTheEnd();
        } finally {
            kafka.revokeAll(user);
        }
        assertEachInputProcessedOnce();
    }

    /**
     * One grant taken away while the pipeline runs, its transform held inside the second batch meanwhile (after one
     * output of the batch was sent); once a later output is refused, the next send finds the transactional producer in
     * an error state and throws a plain {@code KafkaException} whose cause is the refusal. With an output's {@code Write} taken away, the pipeline read the batch again every
     * 200 ms for ever; with the transactional id's or the group's, it stopped with that raw exception (fourth
     * adversarial review). It must stop with the refusal naming the grant, the batch not committed.
     */
    @ParameterizedTest(name = "{0} taken away")
    @EnumSource(value = Missing.class, names = {"TRANSACTIONAL_ID_WRITE", "OUTPUT_WRITE", "GROUP_READ"})
    void aGrantTakenAwayWhileRunningShouldStopThePipelineNamingIt(Missing missing) throws Exception {
        writeInputs();
        kafka.putUser(user, password);
        grantAllBut(null);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch revoked = new CountDownLatch(1);
        AtomicInteger transformed = new AtomicInteger();
        Map<String, Integer> transformsPerInput = new ConcurrentHashMap<>();
        int failedBefore = AckTrigger.failedAcks();
        boolean producesRefused = missing != Missing.GROUP_READ; // the group is checked at the offsets, not the sends
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(kafka.bootstrapServers())
                .properties(kafka.clientProperties(user, password))
                .property(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, AckTrigger.class.getName()).build());
             TransactionalPipeline pipeline = adapter.transactionalPipeline(pipelineConfig(), in -> {
                 int n = transformed.incrementAndGet();
                 transformsPerInput.merge(in.id(), 1, Integer::sum);
                 if (n == 7) { // inside the second batch, after a send of it: the first batch is committed
                     held.countDown();
                     assertThat(revoked.await(60, TimeUnit.SECONDS)).isTrue();
                 } else if (n == 8 && producesRefused) { // the 7th output refused: this send finds the error state
                     await().atMost(PATIENCE).until(() -> AckTrigger.failedAcks() > failedBefore);
                 }
                 return transform(in);
             })) {
            assertThat(held.await(60, TimeUnit.SECONDS)).as("the transform reached the second batch").isTrue();
            // the first batch's commit returned, but its offsets show once the coordinator wrote the transaction's
            // marker (after commitTransaction returned): all of them at once, the group's offsets being in one
            // partition of __consumer_offsets
            await().atMost(PATIENCE).until(() -> committedInputs() > 0);
            long committedBefore = committedInputs();
            kafka.revokeAll(user);
            grantAllBut(missing);
            revoked.countDown();

            await().atMost(PATIENCE).until(() -> !pipeline.isRunning());
            Throwable refusal = pipeline.failure().orElseThrow();
            assertThat(refusal).isInstanceOf(AccessRefusedException.class).hasMessageContaining(missing.named)
                    .hasMessageContaining(missing == Missing.TRANSACTIONAL_ID_WRITE ? transactionalId
                            : missing == Missing.GROUP_READ ? group : output);
            assertThat(transformsPerInput.values()).as("transforms per input: the refused batch is not read again")
                    .containsOnly(1);
            assertThat(committedInputs()).as("inputs committed").isEqualTo(committedBefore);
            assertThat(KafkaTestSupport.readAll(setup, output, "read_committed", PATIENCE)).as("outputs committed")
                    .hasSize((int) committedBefore);

            grantAllBut(null);
        }
        try {
            runToTheEnd();
        } finally {
            kafka.revokeAll(user);
        }
        assertEachInputProcessedOnce();
    }

    /** The refusal: thrown by {@code transactionalPipeline(...)}, or the pipeline's failure once it stopped. */
    private Throwable refusal() {
        AtomicReference<Throwable> refused = new AtomicReference<>();
        try (KafkaAdapter adapter = adapter();
             TransactionalPipeline pipeline = adapter.transactionalPipeline(pipelineConfig(), this::transform)) {
            await().atMost(PATIENCE).until(() -> !pipeline.isRunning());
            refused.set(pipeline.failure().orElse(null));
        } catch (AccessRefusedException thrown) {
            refused.set(thrown);
        }
        return refused.get();
    }

    private void runToTheEnd() throws Exception {
        try (KafkaAdapter adapter = adapter();
             TransactionalPipeline pipeline = adapter.transactionalPipeline(pipelineConfig(), this::transform)) {
            await().atMost(PATIENCE).until(() -> committedInputs() == INPUTS || !pipeline.isRunning());
            assertThat(pipeline.failure()).as("why the pipeline stopped").isEmpty();
        }
    }

    private void assertEachInputProcessedOnce() {
        List<ConsumerRecord<byte[], byte[]>> outputs = KafkaTestSupport.readAll(setup, output, "read_committed",
                PATIENCE);
        assertThat(outputs).extracting(r -> KafkaTestSupport.utf8(r.value())).hasSize(INPUTS).doesNotHaveDuplicates();
    }

    private List<PipelineOutput> transform(Message in) {
        return List.of(new PipelineOutput(output, Message.builder(in.payload()).key(in.key()).build()));
    }

    private PipelineConfig pipelineConfig() {
        return PipelineConfig.builder(input, group, transactionalId).maxBatch(5).build();
    }

    private KafkaAdapter adapter() {
        return new KafkaAdapter(KafkaTestSupport.config(kafka.bootstrapServers())
                .properties(kafka.clientProperties(user, password)).build());
    }

    /**
     * What docs/security.md lists for a transactional pipeline: Read on its input topic, Write on its output topic,
     * Read on its group, Write on its transactional id (each implies Describe); but {@code missing}.
     */
    private void grantAllBut(Missing missing) {
        kafka.allow(user, ResourceType.TOPIC, input, PatternType.LITERAL, AclOperation.READ);
        if (missing == Missing.OUTPUT_WRITE) {
            kafka.allow(user, ResourceType.TOPIC, output, PatternType.LITERAL, AclOperation.DESCRIBE);
        } else if (missing != Missing.ANY_OUTPUT_ACL) {
            kafka.allow(user, ResourceType.TOPIC, output, PatternType.LITERAL, AclOperation.WRITE);
        }
        if (missing != Missing.GROUP_READ) {
            kafka.allow(user, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ);
        }
        if (missing != Missing.TRANSACTIONAL_ID_WRITE) {
            kafka.allow(user, ResourceType.TRANSACTIONAL_ID, transactionalId, PatternType.LITERAL, AclOperation.WRITE);
        }
    }

    private void writeInputs() throws Exception {
        KafkaTestSupport.createTopic(setup, input, 2);
        KafkaTestSupport.createTopic(setup, output, 1);
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestSupport.plainProducer(setup)) {
            for (int i = 0; i < INPUTS; i++) {
                producer.send(new ProducerRecord<>(input, KafkaTestSupport.utf8("k" + (i % 3)),
                        KafkaTestSupport.utf8("m-" + i))).get();
            }
        }
    }

    private long committedInputs() throws Exception {
        return KafkaTestSupport.committed(setup, group).values().stream().mapToLong(Long::longValue).sum();
    }
}
