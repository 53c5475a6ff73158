package dev.keel.cli.verify.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.RealBrokers;
import dev.keel.testbrokers.RedisEndpoint;
import dev.keel.testbrokers.RocketEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code keel verify --features}: delayed delivery, non-blocking retry and re-drive, each with a consumer restarted
 * mid-operation, keep their promises on the embedded broker and on Kafka, RabbitMQ and RocketMQ with Redis (on
 * RabbitMQ with the outbox and inbox check on PostgreSQL too); each {@code --unsafe-*}
 * switch breaks one promise on purpose and the run must catch it in that promise's own counter.
 */
@ExtendWith(RealBrokers.class)
class FeatureVerifyTest {

    private static final List<String> FEATURES = List.of("verify", "--faults", "none", "--messages", "20", "--keys", "8",
            "--duplicate-rate", "0", "--poison-rate", "0", "--features", "all", "--feature-messages", "60",
            "--seed", "20261124", "--no-progress");

    @Test
    void everyFeatureOnTheEmbeddedBrokerShouldKeepItsPromises() {
        CliRun run = run(List.of("--timeout", "60s"));

        assertPassed(run);
    }

    @Test
    void everyFeatureOnRabbitWithRedisAndPostgresqlShouldKeepItsPromises(RabbitEndpoint rabbit, RedisEndpoint redis) {
        CliRun run = run(List.of("--timeout", "90s", "--broker", "rabbit", "--rabbit-uri", rabbit.uri(), "--redis",
                redis.uri(), "--outbox", postgresql(), "--relay-crashes", "2", "--consumer-crashes", "2"));

        assertPassed(run);
        assertThat(run.out()).contains("keel verify --features outbox").containsPattern("refused rows\\s+4")
                .containsPattern("parked\\s+4");
        assertThat(run.out().split("PASS: no violation", -1)).as(run.out()).hasSize(3); // the run, then the outbox's
        Matcher runId = Pattern.compile("topics keel-verify-<feature>-(\\S+)").matcher(run.out());
        assertThat(runId.find()).as(run.out()).isTrue();
        try (RabbitAdapter admin = new RabbitAdapter(RabbitConfig.custom().uri(rabbit.uri()).build())) {
            for (String feature : List.of("delay", "nonblocking-retry", "redrive")) {
                String topic = "keel-verify-" + feature + "-" + runId.group(1);
                for (String name : List.of(topic, topic + ".DLT", topic + ".DLT.DLT",
                        admin.retryTopic(topic, "keel-verify-retry"))) {
                    assertThat(admin.describeTopology(name)).as("left behind: " + name).isEmpty();
                }
            }
        }
    }

    /** The PostgreSQL of this machine, or KEEL_JDBC_POSTGRESQL_URL. */
    private static String postgresql() {
        String env = System.getenv("KEEL_JDBC_POSTGRESQL_URL");
        return env != null ? env : "jdbc:postgresql://127.0.0.1:5432/test";
    }

    @Test
    @Tag("proof") // with the longer proofs (-Pproof): the default suite runs the embedded broker and RabbitMQ
    void everyFeatureOnKafkaWithRedisShouldKeepItsPromises(KafkaEndpoint kafka, RedisEndpoint redis) {
        CliRun run = run(List.of("--timeout", "90s", "--broker", "kafka", "--bootstrap-servers",
                kafka.bootstrapServers(), "--redis", redis.uri()));

        assertPassed(run);
    }

    @Test
    @Tag("proof") // with the longer proofs (-Pproof): the default suite runs the embedded broker and RabbitMQ
    void everyFeatureOnRocketWithRedisShouldKeepItsPromises(RocketEndpoint rocket, RedisEndpoint redis) {
        CliRun run = run(List.of("--timeout", "90s", "--broker", "rocket", "--namesrv", rocket.nameServerAddress(),
                "--redis", redis.uri()));

        assertPassed(run);
    }

    @Test
    void delayedMessagesPublishedWithoutTheirDelayShouldBeCaughtAsEarly() {
        CliRun run = run(List.of("--timeout", "20s", "--unsafe-ignore-delay"));

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.VIOLATIONS);
        assertThat(run.out()).contains("FAIL delay").containsPattern("delivered early: [1-9]")
                .contains("PASS nonblocking-retry").contains("PASS redrive");
    }

    @Test
    void transientFailuresWithoutRetriesShouldBeCaughtAsLostToTheDeadLetters() {
        CliRun run = run(List.of("--timeout", "20s", "--unsafe-no-retry"));

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.VIOLATIONS);
        assertThat(run.out()).contains("FAIL nonblocking-retry").containsPattern("retried message lost: [1-9]")
                .containsPattern("retried message dead-lettered: [1-9]").contains("PASS delay");
    }

    @Test
    void deadLettersPublishedAgainAsCopiesShouldBeCaughtReachingTheOtherGroup() {
        CliRun run = run(List.of("--timeout", "12s", "--unsafe-redrive-copy"));

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.VIOLATIONS);
        assertThat(run.out()).contains("FAIL redrive").containsPattern("re-drive reached another group: [1-9]")
                .containsPattern("re-driven message lost: [1-9]");
    }

    @Test
    void anUnsafeFeatureSwitchWithoutItsFeatureShouldBeRefusedSayingWhatItNeeds() {
        CliRun run = CliRun.of("verify", "--features", "delay", "--unsafe-no-retry", "--no-progress");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--unsafe-no-retry needs --features with nonblocking-retry");
    }

    @Test
    void anUnknownFeatureShouldBeRefusedNamingTheChoices() {
        CliRun run = CliRun.of("verify", "--features", "teleport", "--no-progress");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("unknown workload 'teleport'").contains("delay, nonblocking-retry, redrive, outbox");
    }

    private static CliRun run(List<String> extra) {
        List<String> args = new ArrayList<>(FEATURES);
        args.addAll(extra);
        return CliRun.of(args.toArray(String[]::new));
    }

    private static void assertPassed(CliRun run) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("PASS delay").contains("PASS nonblocking-retry").contains("PASS redrive")
                .doesNotContain("FAIL").contains("the consumer restarted after")
                .containsPattern("[1-9]\\d* failing their first attempt or two")
                .containsPattern("[1-9]\\d* dead-lettered by keel-verify-redrive-a until fixed, then re-driven "
                        + "\\([1-9]\\d* re-driven, 0 failed\\)");
    }
}
