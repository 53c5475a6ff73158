package dev.keel.cli.dlq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelHeaders;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.TypedPublisher;
import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.cli.KeelCli;
import dev.keel.core.Keel;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.kafka.KafkaConfig;
import dev.keel.retry.RetryPolicy;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code keel dlq redrive} stopped by SIGTERM in the middle, on a real Kafka, then run again at once. Killed without a
 * shutdown hook, the run's last acknowledgements were never committed (letters moved twice) and its member held the
 * group's partitions until the session timeout, so the run again at once read nothing and exited 0 saying there was
 * nothing to do (third adversarial review: 3,486 letters left, 23 moved twice). Stopped, it must acknowledge what it
 * moved and leave the group; run again, it moves the rest: each letter reaches its origin once.
 */
@Tag("proof") // about 30 s: with the longer proofs (-Pproof), off the default suite's critical path
@UsesBrokers(BrokerKind.KAFKA)
class DlqRedriveStopTest {

    private static final int LETTERS = 3_000;
    private static final Pattern EXAMINED = Pattern.compile("examined (\\d+), re-driven (\\d+)");

    private final String bootstrap = Brokers.kafka().bootstrapServers();
    private final String topic = UniqueNames.of("cli-redrive-stop");
    private final String group = "billing";

    @Test
    void aRedriveStoppedBySigtermShouldAcknowledgeWhatItMovedAndTheNextRunMoveTheRestOnce() throws Exception {
        deadLetter(LETTERS);
        List<String> args = List.of("dlq", "redrive", "--yes", "--broker", "kafka", "--bootstrap-servers", bootstrap,
                "--topic", topic, "--group", group);

        String stoppedOutput;
        try (ForkedJvm keel = ForkedJvm.builder(KeelCli.class).name("keel-dlq-redrive")
                .args(args.toArray(String[]::new)).start()) {
            await().atMost(Duration.ofSeconds(120)).until(() -> recordsOnOrigin() >= LETTERS + 300);
            assertThat(keel.terminate(Duration.ofSeconds(90))).as("exit code on SIGTERM").isEqualTo(143);
            stoppedOutput = String.join("\n", keel.lines());
        }
        CliRun rest = CliRun.of(args.toArray(String[]::new));

        assertThat(stoppedOutput).contains("stopped before the end");
        assertThat(rest.exitCode()).as(rest.out() + rest.err()).isEqualTo(ExitCodes.OK);
        assertThat(redriven(stoppedOutput) + redriven(rest.out())).as("letters re-driven by the two runs")
                .isEqualTo(LETTERS);
        assertThat(copiesOnOrigin()).as("each id: the original and one re-driven copy").hasSize(LETTERS)
                .allSatisfy((id, copies) -> assertThat(copies).as(id).isEqualTo(2));
    }

    /** {@code count} messages published to the topic and dead-lettered by a handler that always throws. */
    private void deadLetter(int count) {
        AtomicInteger attempts = new AtomicInteger();
        try (KafkaAdapter adapter = new KafkaAdapter(KafkaConfig.custom().bootstrapServers(bootstrap).build());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(3).group(group).build());
            try (Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                    .retryPolicy(RetryPolicy.custom().maxAttempts(1).build()).build(), d -> {
                        attempts.incrementAndGet();
                        throw new IllegalStateException("poison " + d.id());
                    })) {
                TypedPublisher<String> publisher = keel.publisher(topic, Codec.utf8());
                for (int i = 0; i < count; i++) {
                    publisher.message("order " + i).id("order-" + i).key("customer-" + i % 50).publishAsync();
                }
                await().atMost(Duration.ofSeconds(180)).until(() -> endOffsets(topic + ".DLT") >= count);
            }
        }
    }

    private long recordsOnOrigin() throws Exception {
        return endOffsets(topic);
    }

    private long endOffsets(String name) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            int partitions = admin.describeTopics(Set.of(name)).allTopicNames().get().get(name).partitions().size();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(name, p), OffsetSpec.latest());
            }
            return admin.listOffsets(latest).all().get().values().stream().mapToLong(i -> i.offset()).sum();
        }
    }

    /** Copies per id on the origin topic, read from its start to its end. */
    private Map<String, Integer> copiesOnOrigin() throws Exception {
        long end = recordsOnOrigin();
        Map<String, Integer> copies = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, UniqueNames.of("counter"),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            reader.subscribe(Set.of(topic));
            AtomicInteger read = new AtomicInteger();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(200))) {
                    copies.merge(new String(record.headers().lastHeader(KeelHeaders.ID).value(),
                            StandardCharsets.UTF_8), 1, Integer::sum);
                    read.incrementAndGet();
                }
                return read.get() >= end;
            });
        }
        return copies;
    }

    private static int redriven(String output) {
        Matcher matcher = EXAMINED.matcher(output);
        assertThat(matcher.find()).as("a result line in: " + output).isTrue();
        return Integer.parseInt(matcher.group(2));
    }
}
