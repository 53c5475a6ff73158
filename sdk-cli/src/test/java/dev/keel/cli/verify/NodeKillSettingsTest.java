package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeKillSettingsTest {

    private static final Duration DOWN = Duration.ofSeconds(10);
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private static NodeKillSettings of(List<String> kills, List<String> controls) {
        return NodeKillSettings.of(kills, controls, NodeKillSettings.DEFAULT_AT, DOWN, TIMEOUT);
    }

    @Test
    void neitherFlagShouldMeanNoNodeKills() {
        assertThat(of(null, null)).isNull();
        assertThat(of(List.of(), List.of())).isNull();
    }

    @Test
    void aControlCommandShouldHaveItsPlaceholdersReplaced() {
        NodeKillSettings settings = of(List.of("kafka-2"), List.of("kafka-2=ssh {node} sudo node.sh {action}"));

        NodeControl node = settings.nodeOfRound(1);
        assertThat(node.command(NodeControl.KILL)).isEqualTo("ssh kafka-2 sudo node.sh kill");
        assertThat(node.command(NodeControl.START)).isEqualTo("ssh kafka-2 sudo node.sh start");
    }

    @Test
    void roundsShouldCycleThroughTheNodesToKill() {
        NodeKillSettings settings = of(List.of("a,b", "c"), List.of("a=x {action}", "b=y {action}", "c=z {action}"));

        assertThat(List.of(1, 2, 3, 4, 5).stream().map(r -> settings.nodeOfRound(r).name()))
                .containsExactly("a", "b", "c", "a", "b");
    }

    @Test
    void anEqualsSignInTheCommandShouldStayInTheCommand() {
        NodeControl node = NodeControl.parse("n1=ACTION={action} ./node.sh");

        assertThat(node.name()).isEqualTo("n1");
        assertThat(node.command(NodeControl.KILL)).isEqualTo("ACTION=kill ./node.sh");
    }

    @Test
    void aNodeToKillWithoutAControlCommandShouldBeRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> of(List.of("kafka-3"), List.of("kafka-1=a {action}", "kafka-2=b {action}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--kill-node kafka-3: no --node-control for it")
                .hasMessageContaining("known: kafka-1, kafka-2");
    }

    @Test
    void aControlCommandWithoutTheActionPlaceholderShouldBeRefused() {
        assertThatThrownBy(() -> of(List.of("n1"), List.of("n1=./node.sh kill n1")))
                .hasMessageContaining("must contain {action}");
    }

    @Test
    void badControlSpecsShouldBeRefusedWithTheFormToUse() {
        assertThatThrownBy(() -> of(List.of("n1"), List.of("./node.sh {action}")))
                .hasMessageContaining("--node-control must be NAME=COMMAND");
        assertThatThrownBy(() -> of(List.of("n1"), List.of("n1=   ")))
                .hasMessageContaining("the command is empty");
        assertThatThrownBy(() -> of(List.of("n 1"), List.of("n 1=x {action}")))
                .hasMessageContaining("the node name 'n 1'");
        assertThatThrownBy(() -> of(List.of("n1"), List.of("n1=x {action}", "n1=y {action}")))
                .hasMessageContaining("--node-control n1 is given twice");
    }

    @Test
    void controlCommandsWithoutANodeToKillShouldBeRefused() {
        assertThatThrownBy(() -> of(List.of(), List.of("n1=x {action}")))
                .hasMessageContaining("--node-control does nothing without --kill-node");
        assertThatThrownBy(() -> of(List.of("n1,"), List.of("n1=x {action}")))
                .hasMessageContaining("--kill-node must be node names separated by commas");
    }

    @Test
    void timingsOutOfRangeShouldBeRefused() {
        List<String> kill = List.of("n1");
        List<String> control = List.of("n1=x {action}");
        assertThatThrownBy(() -> NodeKillSettings.of(kill, control, 1.0, DOWN, TIMEOUT))
                .hasMessageContaining("--kill-at must be a fraction");
        assertThatThrownBy(() -> NodeKillSettings.of(kill, control, 0.3, Duration.ofSeconds(-1), TIMEOUT))
                .hasMessageContaining("--down-for must be between 0s and 30m");
        assertThatThrownBy(() -> NodeKillSettings.of(kill, control, 0.3, DOWN, Duration.ofMillis(10)))
                .hasMessageContaining("--control-timeout must be between 1s and 30m");
    }
}
