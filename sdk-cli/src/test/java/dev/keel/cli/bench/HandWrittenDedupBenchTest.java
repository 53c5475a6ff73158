package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.RealBrokers;
import dev.keel.testbrokers.RedisEndpoint;
import dev.keel.testbrokers.RocketEndpoint;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The consume section's hand-written effectively-once passes (the raw client's loop with a pipelined claim and done
 * mark per message, and the same with its done marks in key rounds) on real brokers and a real Redis: measured beside
 * Keel's, their ratios reported, their keys deleted.
 * {@link PipelinedDedupTest} checks its Redis work in the default suite.
 */
@ExtendWith(RealBrokers.class)
@Tag("proof") // about 45 s on Kafka (a group join per pass): with keel verify's other longer proofs (-Pproof)
class HandWrittenDedupBenchTest {

    @Test
    void kafkaConsumeShouldMeasureTheHandWrittenEffectivelyOnceLoopAndDeleteItsKeys(KafkaEndpoint kafka,
                                                                                   RedisEndpoint redis) {
        assertMeasuredAndClean(consume(redis, "--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers()),
                redis, "kafka_poll_loop");
    }

    @Test
    void rocketConsumeShouldMeasureTheHandWrittenEffectivelyOnceLoopAndDeleteItsKeys(RocketEndpoint rocket,
                                                                                    RedisEndpoint redis) {
        assertMeasuredAndClean(consume(redis, "--broker", "rocket", "--namesrv", rocket.nameServerAddress()), redis,
                "rocket_lite_pull");
    }

    private static CliRun consume(RedisEndpoint redis, String... broker) {
        List<String> args = new ArrayList<>(List.of("bench"));
        args.addAll(List.of(broker));
        args.addAll(List.of("--redis", redis.uri(), "--only", "consume", "--messages", "300", "--keys", "10",
                "--partitions", "2", "--timeout", "90s", "--json", "--no-progress"));
        return CliRun.of(args.toArray(String[]::new));
    }

    private static void assertMeasuredAndClean(CliRun run, RedisEndpoint redis, String baseline) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.err()).doesNotContain("could not delete");
        JsonNode consume = JsonMapper.builder().build().readTree(run.out()).get("consume");
        assertThat(consume.get(baseline + "_msgs_per_sec").asDouble()).isPositive();
        for (String shape : List.of("hand_written", "key_ordered")) {
            double handWritten = consume.get(shape + "_eo_msgs_per_sec").asDouble();
            assertThat(handWritten).as(shape).isPositive();
            assertThat(consume.get("redis_" + shape + "_cpu_usec_per_msg").asDouble())
                    .as("Redis's CPU in the %s pass", shape).isPositive();
            assertThat(consume.get(shape + "_eo_over_alo").asDouble()).as(shape)
                    .isCloseTo(handWritten / consume.get("at_least_once_msgs_per_sec").asDouble(),
                            org.assertj.core.data.Offset.offset(0.006));
            assertThat(consume.get("eo_over_" + shape + "_eo").asDouble()).as(shape)
                    .isCloseTo(consume.get("effectively_once_msgs_per_sec").asDouble() / handWritten,
                            org.assertj.core.data.Offset.offset(0.006));
        }
        try (RedisClient jedis = RedisClient.create(URI.create(redis.uri()))) {
            List<String> left = new ArrayList<>();
            for (String group : List.of(ConsumeBench.HAND_WRITTEN_GROUP, ConsumeBench.KEY_ORDERED_GROUP)) {
                String cursor = ScanParams.SCAN_POINTER_START;
                ScanParams match = new ScanParams().match("keel-bench:*:" + group + ":*").count(1000);
                do {
                    var page = jedis.scan(cursor, match);
                    left.addAll(page.getResult());
                    cursor = page.getCursor();
                } while (!ScanParams.SCAN_POINTER_START.equals(cursor));
            }
            assertThat(left).as("the hand-written passes' keys after the run").isEmpty();
        }
    }
}
