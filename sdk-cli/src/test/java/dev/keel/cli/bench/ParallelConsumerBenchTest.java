package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.RealBrokers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Confluent Parallel Consumer baseline jar (built by the parallel-consumer-baseline module, which
 * sdk-cli's build orders first) on the harness's real Kafka: the jar alone consumes every message in
 * key order, and {@code keel bench --only pc} reports Keel and it side by side in the three workloads
 * (key-ordered lanes, an empty handler next to the raw client, a consumer joining). No speed is
 * asserted.
 */
@ExtendWith(RealBrokers.class)
@Tag("proof") // about a minute: with keel verify's other longer proofs (-Pproof), off the default suite's critical path
class ParallelConsumerBenchTest {

    /** Surefire runs in the module's directory: the jar is in the sibling module's target. */
    private static final Path JAR = Path.of("").toAbsolutePath().getParent()
            .resolve(ParallelConsumerBench.JAR_IN_BUILD);

    @BeforeEach
    void jarBuilt() {
        assumeTrue(Files.isRegularFile(JAR), "missing " + JAR + ": build it with ./mvnw -pl sdk-cli -am verify "
                + "(or -pl parallel-consumer-baseline package)");
    }

    @Test
    void theBaselineJarShouldConsumeEveryMessageInKeyOrder(KafkaEndpoint kafka, @TempDir Path dir) throws Exception {
        Path log = dir.resolve("pc-baseline.log");
        String topic = "pc-baseline-" + UUID.randomUUID();
        int messages = 300;
        produce(kafka.bootstrapServers(), topic, messages, 30);

        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString(), kafka.bootstrapServers(), topic, "g-" + topic, "" + messages, "8", "1", "KEY",
                "120").redirectError(log.toFile()).start();
        child.getOutputStream().close();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(180, TimeUnit.SECONDS)).as("the baseline JVM ended").isTrue();
        String err = Files.readString(log);

        assertThat(child.exitValue()).as(err).isZero();
        String line = out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow();
        JsonNode result = JsonMapper.builder().build().readTree(line);
        assertThat(result.get("messages").asLong()).as(line).isEqualTo(messages);
        assertThat(result.get("distinct").asLong()).as(line).isEqualTo(messages);
        assertThat(result.get("orderViolations").asLong()).as(line).isZero();
        assertThat(result.get("rate").asDouble()).as(line).isPositive();
    }

    @Test
    void benchOnlyPcShouldReportKeelAndParallelConsumerSideBySide(KafkaEndpoint kafka) {
        CliRun run = CliRun.of("bench", "--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers(),
                "--only", "pc", "--parallel-consumer-jar", JAR.toString(), "--lane-messages", "200", "--lane-keys",
                "20", "--lanes", "4", "--handler-latency", "1ms", "--messages", "400", "--keys", "40",
                "--partitions", "2", "--join-messages", "300", "--repeat", "2", "--timeout", "120s", "--json",
                "--no-progress");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        JsonNode report = JsonMapper.builder().build().readTree(run.out());
        JsonNode pc = report.get("pc");
        assertThat(pc).as(run.out()).isNotNull();
        assertThat(pc.get("messages").asInt()).isEqualTo(200);
        assertThat(pc.get("concurrency").asInt()).isEqualTo(4);
        assertThat(pc.get("keel_msgs_per_sec").asDouble()).isPositive();
        assertThat(pc.get("pc_msgs_per_sec").asDouble()).isPositive();
        assertThat(pc.get("keel_over_pc").asDouble()).isPositive();
        assertThat(pc.get("pc_order_violations").asLong()).isZero();
        assertThat(pc.get("keel_over_pc_runs")).as("one ratio per run of --repeat 2").hasSize(2);

        JsonNode throughput = report.get("pc_throughput");
        assertThat(throughput).as(run.out()).isNotNull();
        assertThat(throughput.get("messages").asInt()).isEqualTo(400);
        assertThat(throughput.get("partitions").asInt()).isEqualTo(2);
        assertThat(throughput.get("keel_msgs_per_sec").asDouble()).isPositive();
        assertThat(throughput.get("raw_msgs_per_sec").asDouble()).isPositive();
        assertThat(throughput.get("keel_over_raw").asDouble()).isPositive();
        assertThat(throughput.get("keel_over_pc").asDouble()).isPositive();

        // both sides ran until every message was handled; the re-runs are counted, whatever their number
        JsonNode join = report.get("pc_join");
        assertThat(join).as(run.out()).isNotNull();
        assertThat(join.get("messages").asInt()).isEqualTo(300);
        assertThat(join.get("keel_handled_twice").asLong()).isNotNegative();
        assertThat(join.get("pc_handled_twice").asLong()).isNotNegative();
        // whether the joiner got partitions before the end depends on timing; the count says which it was
        assertThat(join.get("keel_handled_by_joiner").asLong()).isNotNegative();
        assertThat(join.get("pc_handled_by_joiner").asLong()).isNotNegative();
        assertThat(join.get("keel_handled_twice_runs")).as("one count per run of --repeat 2").hasSize(2);
    }

    private static void produce(String bootstrap, String topic, int count, int keys) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + (i % keys), "v" + i));
            }
            producer.flush();
        } catch (RuntimeException e) {
            throw new IOException("could not preload " + topic, e);
        }
    }
}
