package dev.keel.cli.verify;

import static dev.keel.cli.verify.VerifyReports.assertFaultsInjected;
import static dev.keel.cli.verify.VerifyReports.assertNothingLeft;
import static dev.keel.cli.verify.VerifyReports.assertPassed;
import static dev.keel.cli.verify.VerifyReports.topicOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import dev.keel.jms.ArtemisAdapter;
import dev.keel.jms.ArtemisConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code keel verify --broker artemis} on the harness's real ActiveMQ Artemis and Redis: a short run with every
 * fault the broker supports but channel-close passes and leaves no address behind (the default suite, as the other
 * brokers' short runs); the features run with keel verify's other longer proofs (-Pproof).
 *
 * <p>channel-close is left out: verify has found keys out of publish order after the live member's connection was
 * reset, in 2 of about 12 runs (a known defect, docs/activemq.md "Known defects"). With {@code --faults all}, seed
 * 20251120 (the first run on a freshly started broker; the same seed passed three times after): 11 keys, for example
 * "key k0: seq 9 (consumer 0, attempt 1) applied after seq 18 (consumer 0, attempt 1)". With a channel-close run of
 * 3,000 messages over 10 keys (--poison-rate 0.02, --duplicate-rate 0), seed 20261125: 4 keys, for example "key r1k9: seq 80 (consumer 1, attempt 2) applied after seq 81
 * (consumer 1, attempt 1)": a message the reset member held came back to the group queue after a later message of
 * its key had gone to another member.
 */
@UsesBrokers({BrokerKind.ARTEMIS, BrokerKind.REDIS})
class VerifyOnArtemisTest {

    /**
     * Every fault the broker supports but channel-close (see above); the lease above the longest planned outage
     * (3 s), see docs/cli.md.
     */
    private static final String[] ALL_FAULTS = {"--faults",
        "lost-claim-reply,failing-done,slow-store,network-cut,graceful-stop,oversized", "--lease", "5s"};
    private static final String[] SHORT_RUN = {"--messages", "150", "--keys", "10", "--crash-rate", "0",
        "--duplicate-rate", "0.05", "--poison-rate", "0.05", "--seed", "20251120", "--partitions", "2",
        "--timeout", "60s", "--no-progress"};

    @Test
    void verifyOnArtemisShouldPassWithTheFaultsAndDeleteItsTopics() {
        CliRun result = verify(ALL_FAULTS, "--broker", "artemis", "--artemis-url", Brokers.artemis().url(),
                "--redis", Brokers.redis().uri());
        System.out.println(result.out()); // the report, for docs/cli.md

        assertPassed(result, "broker artemis (" + Brokers.artemis().address() + ")");
        assertFaultsInjected(result, "lost-claim-reply", "failing-done", "slow-store", "network-cut", "graceful-stop",
                "oversized");
        assertNothingLeftOn(topicOf(result));
    }

    /** Delayed delivery and re-drive (non-blocking retry is not offered on Artemis yet: left out, named). */
    @Test
    @Tag("proof") // with the longer proofs (-Pproof), with Kafka's and RocketMQ's
    void everyFeatureOnArtemisWithRedisShouldKeepItsPromises() {
        CliRun run = CliRun.of("verify", "--faults", "none", "--messages", "20", "--keys", "8", "--duplicate-rate",
                "0", "--poison-rate", "0", "--features", "all", "--feature-messages", "60", "--seed", "20261124",
                "--no-progress", "--timeout", "90s", "--broker", "artemis", "--artemis-url", Brokers.artemis().url(),
                "--redis", Brokers.redis().uri());
        System.out.println(run.out());

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("PASS delay").contains("PASS redrive").doesNotContain("FAIL");
    }

    /** A password is taken from the variable --artemis-password-env names and never printed. */
    @Test
    void anUnsetPasswordVariableShouldBeAClearUsageErrorNamingIt() {
        CliRun run = CliRun.of("verify", "--broker", "artemis", "--artemis-url", Brokers.artemis().url(),
                "--artemis-user", "app", "--artemis-password-env", "KEEL_TEST_SURELY_UNSET_ARTEMIS_PASSWORD",
                "--no-progress");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("no environment variable KEEL_TEST_SURELY_UNSET_ARTEMIS_PASSWORD is set");
    }

    private static CliRun verify(String[] faults, String... broker) {
        List<String> args = new ArrayList<>(List.of("verify"));
        args.addAll(List.of(broker));
        args.addAll(List.of(SHORT_RUN));
        args.addAll(List.of(faults));
        return CliRun.of(args.toArray(String[]::new));
    }

    private static void assertNothingLeftOn(String topic) {
        try (ArtemisAdapter admin = new ArtemisAdapter(ArtemisConfig.custom().url(Brokers.artemis().url()).build())) {
            assertNothingLeft(admin, topic);
        }
    }
}
