package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control commands run for real by /bin/sh. */
class NodeCommandTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void aCommandShouldGetItsActionAndNodeInItsArgumentsAndEnvironment() throws Exception {
        Path log = dir.resolve("log");
        NodeControl node = NodeControl.parse("n1=echo \"{action} {node} $KEEL_ACTION $KEEL_NODE\" >> " + log);

        NodeCommand.Result kill = NodeCommand.run(node, NodeControl.KILL, TIMEOUT);
        NodeCommand.Result start = NodeCommand.run(node, NodeControl.START, TIMEOUT);

        assertThat(kill.succeeded()).as(kill.describe()).isTrue();
        assertThat(start.succeeded()).isTrue();
        assertThat(Files.readAllLines(log)).containsExactly("kill n1 kill n1", "start n1 start n1");
    }

    @Test
    void aFailingCommandShouldBeReportedWithItsStatusAndLastOutputLine() {
        NodeControl node = NodeControl.parse("n1=echo first; echo 'no such node: {node}' >&2; exit 3 # {action}");

        NodeCommand.Result result = NodeCommand.run(node, NodeControl.KILL, TIMEOUT);

        assertThat(result.succeeded()).isFalse();
        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.describe()).isEqualTo("kill n1 failed with exit status 3; its last output: no such node: n1");
    }

    @Test
    void aCommandRunningPastTheTimeoutShouldBeKilledAndReported() {
        NodeControl node = NodeControl.parse("n1=sleep 30 # {action}");

        NodeCommand.Result result = NodeCommand.run(node, NodeControl.START, Duration.ofSeconds(1));

        assertThat(result.timedOut()).isTrue();
        assertThat(result.succeeded()).isFalse();
        assertThat(result.took()).isLessThan(Duration.ofSeconds(20));
        assertThat(result.describe()).startsWith("start n1 timed out after").contains("(--control-timeout)");
    }
}
