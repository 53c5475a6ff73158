package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.testbrokers.Brokers;
import org.junit.jupiter.api.Test;

/**
 * Review: {@code --activemq-url ...?jms.pa%C5%BFsword=<pw>} (or {@code ?pasword=<pw>}) reached the Classic client's
 * transport, which refused it quoting the value; keel printed the whole URL in its header and
 * {@code TopologyException: ... the broker refused an operation ...: Invalid connect parameters: {...=<pw>}}. A
 * transport parameter is refused only at the connection, so this runs against the harness's Classic broker.
 */
class ClassicUrlRefusedAtConnectionTest {

    @Test
    void aTransportParameterTheClientRefusesShouldBeNamedWithoutItsValueAndNotBlameTheBroker() {
        String url = Brokers.activemq().url();
        CliRun run = CliRun.of("verify", "--broker", "activemq", "--activemq-url",
                url + (url.contains("?") ? "&" : "?") + "pasword=s3cr3tT2", "--redis", Brokers.redis().uri(),
                "--messages", "10", "--keys", "5", "--faults", "none", "--no-progress", "--timeout", "30s");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("pasword").contains("not the broker").doesNotContain("internal error");
        assertThat(run.out() + run.err()).doesNotContain("s3cr3tT2");
    }
}
