package dev.keel.cli.verify;

import static dev.keel.cli.verify.VerifyReports.assertFaultsInjected;
import static dev.keel.cli.verify.VerifyReports.assertNothingLeft;
import static dev.keel.cli.verify.VerifyReports.assertPassed;
import static dev.keel.cli.verify.VerifyReports.topicOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.kafka.KafkaAdapter;
import dev.keel.kafka.KafkaConfig;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.rocket.RocketAdapter;
import dev.keel.rocket.RocketConfig;
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

/**
 * {@code keel verify} on the harness's real Kafka, RabbitMQ, RocketMQ and Redis: a short run passes, also with every fault
 * the broker supports, and leaves no topic behind.
 */
@ExtendWith(RealBrokers.class)
class VerifyOnRealBrokersTest {

    /** Every fault the broker supports; the lease above the longest planned outage (3 s), see docs/cli.md. */
    private static final String[] ALL_FAULTS = {"--faults", "all", "--lease", "5s"};
    private static final String[] SHORT_RUN = {"--messages", "150", "--keys", "10", "--crash-rate", "0",
        "--duplicate-rate", "0.05", "--poison-rate", "0.05", "--seed", "20251120", "--partitions", "2",
        "--timeout", "60s", "--no-progress"};

    @Test
    void verifyOnRabbitShouldPassTwiceInARowAndDeleteItsTopics(RabbitEndpoint rabbit, RedisEndpoint redis) {
        try (RabbitAdapter admin = new RabbitAdapter(RabbitConfig.custom().uri(rabbit.uri()).build())) {
            for (int run = 0; run < 2; run++) {
                CliRun result = verify(run == 0 ? new String[0] : ALL_FAULTS, "--broker", "rabbit", "--rabbit-uri",
                        rabbit.uri(), "--redis", redis.uri());

                assertPassed(result, "broker rabbit");
                if (run == 1) {
                    assertFaultsInjected(result, "lost-claim-reply", "failing-done", "slow-store", "network-cut",
                            "oversized");
                }
                assertNothingLeft(admin, topicOf(result));
            }
        }
    }

    /**
     * channel-close on RabbitMQ: each consumer connects through a proxy of its own and the live one's
     * connection is reset mid-round; a new member takes over while the old one reconnects. Verify
     * passes, and fails with duplicate effects under --unsafe-no-dedup (no duplicate publishes, no
     * crashes: the redeliveries after the dropped sessions alone), which shows the check can fail.
     */
    @Test
    void verifyOnRabbitShouldDropConsumerSessionsAndPassAndFailThemWithoutDedup(RabbitEndpoint rabbit,
                                                                              RedisEndpoint redis) {
        List<String> channelClose = List.of("verify", "--broker", "rabbit", "--rabbit-uri", rabbit.uri(),
                "--faults", "channel-close", "--duplicate-rate", "0", "--poison-rate", "0.02", "--keys", "10",
                // rounds long enough that the session drop lands while messages are in flight (a 500-message round
                // took 0.9 s on a quiet machine, over before the drop, and the unsafe run then found no repeat)
                "--messages", "3000", "--duration", "10s", "--seed", "20251121", "--timeout", "60s", "--no-progress");
        List<String> safe = new ArrayList<>(channelClose);
        safe.addAll(List.of("--redis", redis.uri()));
        CliRun result = CliRun.of(safe.toArray(String[]::new));
        System.out.println(result.out()); // the report, for docs/cli.md

        assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(ExitCodes.OK);
        assertThat(result.out()).contains("each consumer through a proxy of its own on 127.0.0.1")
                .contains("PASS: no violation").containsPattern("(?m)^  channel-close\\s+[1-9]");

        // A repeat needs a handler that applied its effect and was not acknowledged yet when its session dropped;
        // with fast handlers a drop can land when none is (seen: 7 rounds, 98 redeliveries, none of an applied
        // message). So the unsafe run is tried up to three times, with other seeds: one run that finds the
        // repeat shows the check can fail; the safe run above must pass every time.
        CliRun unsafe = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            List<String> broken = new ArrayList<>(channelClose);
            broken.set(broken.indexOf("--seed") + 1, Long.toString(20251121L + attempt));
            broken.add("--unsafe-no-dedup");
            unsafe = CliRun.of(broken.toArray(String[]::new));
            System.out.println(unsafe.out());
            if (unsafe.exitCode() == ExitCodes.VIOLATIONS) {
                break;
            }
        }

        assertThat(unsafe.exitCode()).as(unsafe.out() + unsafe.err()).isEqualTo(ExitCodes.VIOLATIONS);
        assertThat(unsafe.out()).containsPattern("duplicate effect\\s+[1-9]");
    }

    /**
     * channel-close on Kafka: the group coordinator removes the group's members mid-round (their processes live
     * on: fenced, they lose their partitions and join again) and a new member joins. Verify passes, and fails with
     * duplicate effects under --unsafe-no-dedup (the records done but not yet committed when the partitions moved
     * run again), which shows the check can fail.
     */
    @Test
    void verifyOnKafkaShouldDropTheGroupsSessionsAndPassAndFailThemWithoutDedup(KafkaEndpoint kafka,
                                                                               RedisEndpoint redis) {
        List<String> channelClose = List.of("verify", "--broker", "kafka", "--bootstrap-servers",
                kafka.bootstrapServers(), "--partitions", "4", "--faults", "channel-close", "--duplicate-rate", "0",
                "--poison-rate", "0.02", "--keys", "10", "--duration", "6s", "--seed", "20261124", "--timeout", "60s",
                "--no-progress");
        List<String> safe = new ArrayList<>(channelClose);
        safe.addAll(List.of("--redis", redis.uri()));
        CliRun result = CliRun.of(safe.toArray(String[]::new));
        System.out.println(result.out()); // the report, for docs/cli.md

        assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(ExitCodes.OK);
        assertThat(result.out()).contains("PASS: no violation").containsPattern("(?m)^  channel-close\\s+[1-9]");

        List<String> broken = new ArrayList<>(channelClose);
        broken.add("--unsafe-no-dedup");
        CliRun unsafe = CliRun.of(broken.toArray(String[]::new));
        System.out.println(unsafe.out());

        assertThat(unsafe.exitCode()).as(unsafe.out() + unsafe.err()).isEqualTo(ExitCodes.VIOLATIONS);
        assertThat(unsafe.out()).containsPattern("duplicate effect\\s+[1-9]");
    }

    @Test
    void verifyOnKafkaShouldPassAndDeleteItsTopics(KafkaEndpoint kafka, RedisEndpoint redis) {
        CliRun result = verify(ALL_FAULTS, "--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers(),
                "--redis", redis.uri());

        assertPassed(result, "broker kafka");
        assertFaultsInjected(result, "lost-claim-reply", "failing-done", "slow-store", "network-cut", "channel-close",
                "oversized");
        try (KafkaAdapter admin = new KafkaAdapter(KafkaConfig.custom().bootstrapServers(kafka.bootstrapServers()).build())) {
            assertNothingLeft(admin, topicOf(result));
        }
    }

    /**
     * {@code --share-group} on Kafka, with crashes and every other fault the broker supports: each crash closes a
     * consumer mid-handling and a new member of the share group takes over; verify passes (nothing lost, each effect
     * once beyond the crash window, every poison message dead-lettered with its cause) without checking order, leaves
     * channel-close out, and fails with duplicate effects under --unsafe-no-dedup, which shows the check can fail.
     */
    @Test
    @Tag("proof") // about 70 s: with keel verify's other longer proofs (-Pproof)
    void verifyOnKafkaAsAShareGroupShouldPassWithCrashesAndFailWithoutDedup(KafkaEndpoint kafka, RedisEndpoint redis) {
        List<String> run = List.of("verify", "--broker", "kafka", "--bootstrap-servers", kafka.bootstrapServers(),
                "--share-group", "--messages", "300", "--keys", "10", "--crash-rate", "0.02", "--max-crashes", "3",
                "--duplicate-rate", "0.05", "--poison-rate", "0.05", "--seed", "20261201", "--partitions", "2",
                "--timeout", "90s", "--lease", "5s", "--no-progress");
        List<String> safe = new ArrayList<>(run);
        safe.addAll(List.of("--faults", "all", "--redis", redis.uri()));
        CliRun result = CliRun.of(safe.toArray(String[]::new));
        System.out.println(result.out()); // the report, for docs/cli.md

        assertPassed(result, "broker kafka");
        assertThat(result.out()).contains("share group (unordered").containsPattern("(?m)^  crash\\s+[1-9]")
                .doesNotContainPattern("(?m)^  channel-close\\s+[1-9]");
        assertFaultsInjected(result, "lost-claim-reply", "failing-done", "slow-store", "network-cut", "oversized");
        try (KafkaAdapter admin = new KafkaAdapter(KafkaConfig.custom().bootstrapServers(kafka.bootstrapServers()).build())) {
            assertNothingLeft(admin, topicOf(result));
        }

        List<String> broken = new ArrayList<>(run);
        broken.addAll(List.of("--faults", "crash", "--unsafe-no-dedup"));
        CliRun unsafe = CliRun.of(broken.toArray(String[]::new));
        System.out.println(unsafe.out());

        assertThat(unsafe.exitCode()).as(unsafe.out() + unsafe.err()).isEqualTo(ExitCodes.VIOLATIONS);
        assertThat(unsafe.out()).containsPattern("duplicate effect\\s+[1-9]");
    }

    /**
     * Also no subscription group and no {@code %RETRY%} topic naming the run's topic (before, a passing run left
     * {@code keel-verify-dlt_<topic>_DLT_DLT_<hash>} and {@code keel-verify_<topic>_DLT_<hash>}: groups declared for the
     * dead-letter topics and never used).
     */
    @Test
    void verifyOnRocketShouldPassAndDeleteItsTopics(RocketEndpoint rocket, RedisEndpoint redis) throws Exception {
        CliRun result = verify(ALL_FAULTS, "--broker", "rocket", "--namesrv", rocket.nameServerAddress(),
                "--redis", redis.uri());

        assertPassed(result, "broker rocket");
        assertFaultsInjected(result, "lost-claim-reply", "failing-done", "slow-store", "network-cut", "oversized");
        try (RocketAdapter admin = new RocketAdapter(RocketConfig.custom().nameServer(rocket.nameServerAddress())
                .build())) {
            String topic = topicOf(result);
            for (String name : List.of(topic, admin.defaultDeadLetterTopic(topic),
                    admin.defaultDeadLetterTopic(admin.defaultDeadLetterTopic(topic)))) {
                assertThat(admin.describeTopology(name)).as(name).isEmpty();
            }
            assertThat(RocketLeftovers.naming(rocket.nameServerAddress(), topic)).as("topics and groups naming %s",
                    topic).isEmpty();
        }
    }

    /** Also: of the --rabbit-addresses, one has nothing listening; the run connects through the live one. */
    @Test
    void aFailingNodeControlCommandShouldMakeTheRunNotProvenWithExitTwo(RabbitEndpoint rabbit) {
        String live = rabbit.host() + ":" + rabbit.port();
        CliRun result = verify(new String[] {"--faults", "none"}, "--broker", "rabbit", "--rabbit-uri", rabbit.uri(),
                "--rabbit-addresses", "127.0.0.1:1," + live, "--kill-node", "r1", "--node-control", "r1=echo 'cannot reach r1' >&2; exit 4 # {action}",
                "--down-for", "0s");

        assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(result.out()).contains("on nodes 127.0.0.1:1," + live).contains("node r1 not killed: kill r1 failed with exit status 4; its last output: "
                        + "cannot reach r1")
                .contains("NOT PROVEN: no violation, but a node was not killed and started as asked");
    }

    private static CliRun verify(String[] faults, String... broker) {
        List<String> args = new ArrayList<>(List.of("verify"));
        args.addAll(List.of(broker));
        args.addAll(List.of(SHORT_RUN));
        args.addAll(List.of(faults));
        return CliRun.of(args.toArray(String[]::new));
    }
}
