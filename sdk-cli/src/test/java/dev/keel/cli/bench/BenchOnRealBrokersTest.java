package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.testbrokers.ActiveMQEndpoint;
import dev.keel.testbrokers.ArtemisEndpoint;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.RealBrokers;
import dev.keel.testbrokers.RedisEndpoint;
import dev.keel.testbrokers.RocketEndpoint;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The latency section's raw-client baseline and the memory section's child JVM on the harness's real
 * brokers: a short run of each measures both Keel and the raw client (the raw client reads the
 * groups Keel declared) and the child consumes the whole backlog.
 */
@ExtendWith(RealBrokers.class)
@Tag("proof") // about a minute: with keel verify's other longer proofs (-Pproof), off the default suite's critical path
class BenchOnRealBrokersTest {

    private static final String[] SHORT_RUN = {"--only", "latency,memory", "--keys", "10", "--partitions", "2",
        "--latency-messages", "200", "--latency-rate", "500", "--memory-messages", "3000", "--timeout", "90s",
        "--json", "--no-progress"};

    @Test
    void latencyAndMemoryOnKafkaShouldMeasureTheRawClientAndTheChildJvm(KafkaEndpoint kafka, RedisEndpoint redis) {
        CliRun run = bench("--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers(), "--redis",
                redis.uri());
        assertMeasured(run, "kafka-clients");
        assertThat(JsonMapper.builder().build().readTree(run.out()).get("kafka_linger_ms").asLong())
                .as("the linger both producers used, Keel's default").isEqualTo(5);
    }

    @Test
    void latencyAndMemoryOnRabbitShouldMeasureTheRawClientAndTheChildJvm(RabbitEndpoint rabbit, RedisEndpoint redis) {
        assertMeasured(bench("--broker", "rabbit", "--rabbit-uri", rabbit.uri(), "--redis", redis.uri()),
                "amqp-client");
    }

    @Test
    void latencyAndMemoryOnRocketShouldMeasureTheRawClientAndTheChildJvm(RocketEndpoint rocket, RedisEndpoint redis) {
        assertMeasured(bench("--broker", "rocket", "--namesrv", rocket.nameServerAddress(), "--redis", redis.uri()),
                "rocketmq-client");
    }

    /**
     * Artemis: Keel's publish, consume and latency next to the raw JMS client's (synchronous persistent sends,
     * individual acknowledgement), and the memory section's child JVM.
     */
    @Test
    void publishConsumeLatencyAndMemoryOnArtemisShouldMeasureTheRawJmsClientAndTheChildJvm(ArtemisEndpoint artemis,
                                                                                       RedisEndpoint redis) {
        assertJmsMeasured(jmsBench("--broker", "artemis", "--artemis-url", artemis.url(), "--redis", redis.uri()),
                "artemis", "Artemis JMS client");
    }

    /**
     * ActiveMQ Classic: the same sections, the raw client sending to the virtual topic and reading the group's
     * consumer queue Keel declared.
     */
    @Test
    void publishConsumeLatencyAndMemoryOnActiveMQShouldMeasureTheRawJmsClientAndTheChildJvm(
            ActiveMQEndpoint activemq, RedisEndpoint redis) {
        assertJmsMeasured(jmsBench("--broker", "activemq", "--activemq-url", activemq.url(), "--redis", redis.uri()),
                "activemq", "ActiveMQ Classic JMS client");
    }

    /** The share section on Kafka: a share group, a classic group with lanes and the raw share-consumer loop. */
    @Test
    void shareSectionOnKafkaShouldMeasureTheShareGroupTheClassicGroupAndTheRawShareConsumer(KafkaEndpoint kafka,
                                                                                          RedisEndpoint redis) {
        CliRun run = CliRun.of("bench", "--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers(),
                "--redis", redis.uri(), "--only", "share", "--messages", "3000", "--keys", "10", "--partitions", "2",
                "--timeout", "90s", "--json", "--no-progress");

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.err()).doesNotContain("could not delete");
        JsonNode share = JsonMapper.builder().build().readTree(run.out()).get("share");
        for (String rate : List.of("classic_lanes_msgs_per_sec", "share_group_msgs_per_sec",
                "kafka_share_poll_loop_msgs_per_sec", "share_group_eo_msgs_per_sec")) {
            assertThat(share.get(rate).asDouble()).as(rate).isPositive();
        }
        assertThat(share.get("share_over_classic").asDouble()).isEqualTo(share.get("share_group_msgs_per_sec")
                .asDouble() / share.get("classic_lanes_msgs_per_sec").asDouble(), org.assertj.core.data.Offset.offset(0.01));
        assertThat(share.has("share_over_kafka_share_poll_loop")).isTrue();
    }

    private static CliRun bench(String... broker) {
        List<String> args = new ArrayList<>(List.of("bench"));
        args.addAll(List.of(broker));
        args.addAll(List.of(SHORT_RUN));
        return CliRun.of(args.toArray(String[]::new));
    }

    private static CliRun jmsBench(String... broker) {
        List<String> args = new ArrayList<>(List.of("bench"));
        args.addAll(List.of(broker));
        args.addAll(List.of("--only", "publish,consume,latency,memory", "--messages", "2000", "--keys", "10",
                "--partitions", "2", "--latency-messages", "200", "--latency-rate", "500", "--memory-messages", "3000",
                "--timeout", "90s", "--json", "--no-progress"));
        return CliRun.of(args.toArray(String[]::new));
    }

    /** The latency and memory sections as {@link #assertMeasured}, and the raw client's publish and consume rates. */
    private static void assertJmsMeasured(CliRun run, String baseline, String rawClient) {
        assertMeasured(run, rawClient);
        JsonNode json = JsonMapper.builder().build().readTree(run.out());
        // Artemis's raw publisher pipelines its sends as Keel's does; Classic's sends synchronously as Keel's does
        String publish = baseline.equals("artemis") ? "_pipelined_send" : "_sync_send";
        assertThat(json.get("publish").get(baseline + publish + "_msgs_per_sec").asDouble()).isPositive();
        assertThat(json.get("consume").get(baseline + "_individual_ack_msgs_per_sec").asDouble()).isPositive();
    }

    private static void assertMeasured(CliRun run, String rawClient) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.err()).doesNotContain("could not delete");
        JsonNode json = JsonMapper.builder().build().readTree(run.out());
        JsonNode latency = json.get("latency");
        assertThat(latency.get("raw_client").asString()).contains(rawClient);
        assertThat(latency.get("raw_p50_ms").asDouble()).isPositive()
                .isLessThanOrEqualTo(latency.get("raw_max_ms").asDouble());
        assertThat(latency.get("added_p99_ms").asDouble())
                .isEqualTo(latency.get("p99_ms").asDouble() - latency.get("raw_p99_ms").asDouble(),
                        org.assertj.core.data.Offset.offset(0.01));
        JsonNode memory = json.get("memory");
        assertThat(memory.get("consumed").asInt()).isEqualTo(3000);
        assertThat(memory.get("guarantee").asString()).isEqualTo("EFFECTIVELY_ONCE");
        assertThat(memory.get("out_of_memory_errors").asInt()).isZero();
        assertThat(memory.has("backlog_heap_mib")).as("the backlog is on the broker").isFalse();
        assertThat(memory.get("peak_heap_after_gc_mib").asDouble()).isPositive().isLessThan(256);
    }
}
