package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class FaultKindTest {

    @Test
    void allShouldSelectEveryKindOnTheEmbeddedBroker() {
        assertThat(FaultKind.parse("all", FaultEnvironment.of("memory", null)))
                .isEqualTo(EnumSet.allOf(FaultKind.class));
    }

    @Test
    void allShouldLeaveOutWhatARealBrokerWithoutRedisCannotDo() {
        assertThat(FaultKind.parse("all", FaultEnvironment.of("rabbit", null))).containsExactly(FaultKind.CRASH,
                FaultKind.LOST_CLAIM_REPLY, FaultKind.FAILING_DONE, FaultKind.SLOW_STORE, FaultKind.GRACEFUL_STOP,
                FaultKind.OVERSIZED);
        assertThat(FaultKind.parse("all", FaultEnvironment.of("kafka", "redis://127.0.0.1:6379")))
                .contains(FaultKind.NETWORK_CUT).doesNotContain(FaultKind.FAILING_DEAD_LETTER);
        assertThat(FaultKind.parse("all", FaultEnvironment.of("rocket", "redis://127.0.0.1:6379")))
                .contains(FaultKind.NETWORK_CUT).doesNotContain(FaultKind.CHANNEL_CLOSE, FaultKind.FAILING_DEAD_LETTER);
    }

    @Test
    void channelCloseShouldBeSupportedOnARabbitMqAProxyOnThisMachineCanStandInFrontOf() {
        FaultEnvironment local = FaultEnvironment.of("rabbit", null, false, true);
        assertThat(FaultKind.parse("all", local)).contains(FaultKind.CHANNEL_CLOSE)
                .doesNotContain(FaultKind.FAILING_DEAD_LETTER);
        assertThat(FaultKind.parse("channel-close", local)).containsExactly(FaultKind.CHANNEL_CLOSE);
    }

    @Test
    void channelCloseShouldBeSupportedOnAnActiveMQClassicAProxyOnThisMachineCanStandInFrontOf() {
        assertThat(FaultKind.parse("all", FaultEnvironment.of("activemq", "redis://127.0.0.1:6379", false, true)))
                .contains(FaultKind.CHANNEL_CLOSE, FaultKind.NETWORK_CUT).doesNotContain(FaultKind.FAILING_DEAD_LETTER);
    }

    @Test
    void channelCloseShouldBeSupportedOnKafkaWhoseCoordinatorDropsTheGroupsSessions() {
        assertThat(FaultKind.parse("all", FaultEnvironment.of("kafka", null))).contains(FaultKind.CHANNEL_CLOSE);
    }

    @Test
    void aKindTheBrokerDoesNotSupportShouldBeRefusedNamingIt() {
        assertThatThrownBy(() -> FaultKind.parse("crash,channel-close", FaultEnvironment.of("rabbit", null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--faults channel-close is not supported on --broker rabbit")
                .hasMessageContaining("needs a RabbitMQ on 127.0.0.1");
        assertThatThrownBy(() -> FaultKind.parse("channel-close", FaultEnvironment.of("rocket", null)))
                .hasMessageContaining("--faults channel-close is not supported on --broker rocket")
                .hasMessageContaining("use --broker memory, kafka, rabbit, artemis or activemq");
        assertThatThrownBy(() -> FaultKind.parse("channel-close", FaultEnvironment.of("activemq", null)))
                .hasMessageContaining("--faults channel-close is not supported on --broker activemq")
                .hasMessageContaining("an --activemq-url of one tcp:// address");
        assertThatThrownBy(() -> FaultKind.parse("network-cut", FaultEnvironment.of("rabbit", "redis://10.1.2.3:6379")))
                .hasMessageContaining("--faults network-cut is not supported on --broker rabbit with --redis");
    }

    @Test
    void anUnknownKindShouldListTheChoices() {
        assertThatThrownBy(() -> FaultKind.parse("crash,meteor", FaultEnvironment.of("memory", null)))
                .hasMessageContaining("unknown kind 'meteor'").hasMessageContaining("lost-claim-reply");
    }

    @Test
    void noneShouldSelectNothing() {
        assertThat(FaultKind.parse("none", FaultEnvironment.of("memory", null))).isEmpty();
    }
}
