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
 * fault the broker supports, channel-close included, passes and leaves nothing behind (the default suite, as
 * {@link VerifyOnArtemisTest}); the features run with keel verify's other longer proofs (-Pproof).
 *
 * <p>channel-close was left out while it found defects: two members handing their message groups back to each other
 * without end (keys out of order among thousands of redeliveries; fixed: a member hands back only past its share) and
 * a member left paused for good by a store outage across its reconnect (a group that made no progress for 60 s;
 * fixed in the engine: a paused subscription with nothing in flight pings the store).
 */
@UsesBrokers({BrokerKind.ACTIVEMQ, BrokerKind.REDIS})
class VerifyOnActiveMQTest {

    /** Every fault the broker supports; the lease above the longest planned outage (3 s), see docs/cli.md. */
    private static final List<String> FAULTS = List.of("lost-claim-reply", "failing-done", "slow-store", "network-cut",
            "channel-close", "graceful-stop", "oversized");
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
    @Tag("proof") // with the longer proofs (-Pproof), with Artemis's, Kafka's and RocketMQ's
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
