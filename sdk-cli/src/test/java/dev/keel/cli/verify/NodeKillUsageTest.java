package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import org.junit.jupiter.api.Test;

/** The cluster flags of {@code keel verify} are checked before anything runs, with what to do instead. */
class NodeKillUsageTest {

    @Test
    void killingANodeOfTheEmbeddedBrokerShouldBeRefused() {
        CliRun run = CliRun.of("verify", "--kill-node", "n1", "--node-control", "n1=./node.sh {action}");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--kill-node needs a real broker cluster").doesNotContain("Exception");
    }

    @Test
    void aNodeToKillWithoutItsControlCommandShouldBeRefusedBeforeReachingTheBroker() {
        CliRun run = CliRun.of("verify", "--broker", "kafka", "--bootstrap-servers", "127.0.0.1:1",
                "--kill-node", "kafka-3", "--node-control", "kafka-1=./node.sh {action}");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--kill-node kafka-3: no --node-control for it").contains("known: kafka-1")
                .doesNotContain("cannot reach");
    }

    @Test
    void aControlCommandWithoutItsActionShouldBeRefused() {
        CliRun run = CliRun.of("verify", "--broker", "rabbit", "--kill-node", "r1", "--node-control",
                "r1=rabbitmqctl stop_app");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("must contain {action}").contains("verify --help");
    }

    @Test
    void moreInSyncReplicasThanReplicasShouldBeRefused() {
        CliRun run = CliRun.of("verify", "--broker", "kafka", "--replication-factor", "3",
                "--min-insync-replicas", "4");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("--min-insync-replicas must be in [1, --replication-factor=3], was 4");
    }

    @Test
    void noBrokerNodeAnsweringShouldNameEachAddressTried() {
        CliRun run = CliRun.of("verify", "--broker", "kafka", "--bootstrap-servers", "127.0.0.1:1,127.0.0.1:2",
                "--no-progress");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("cannot reach Kafka at any of 127.0.0.1:1 (").contains(", 127.0.0.1:2 (");
    }

    @Test
    void helpShouldDescribeTheClusterFlags() {
        CliRun run = CliRun.of("verify", "--help");

        assertThat(run.out()).contains("--kill-node").contains("--node-control").contains("{action}")
                .contains("--rabbit-addresses").contains("--redis-cluster").contains("--replication-factor");
    }
}
