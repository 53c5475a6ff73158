package dev.keel.jms;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ActiveMQClassicConfigTest {

    @Test
    void toStringShouldShowNeitherThePasswordNorTheUrlsPasswordParameters() {
        ActiveMQClassicConfig config = ActiveMQClassicConfig.custom()
                .url("ssl://host:61617?socket.keyStorePassword=key-secret&socket.trustStorePassword=store-secret")
                .credentials("app", "user-secret").build();

        assertThat(config.toString()).doesNotContain("store-secret", "key-secret", "user-secret")
                .contains("ssl://host:61617?", "username=app", "socket.trustStorePassword=****");
        assertThat(config.password()).contains("user-secret");
    }

    @Test
    void invalidValuesShouldBeRefusedAtOnceSayingWhatIsAllowed() {
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tcp://localhost:61616");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().sendLanes(0)).hasMessageContaining("[1, 64]");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().prefetch(0)).hasMessageContaining("[1, 32767]");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().maxMessageBytes(0)).hasMessageContaining(">= 1");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().closeTimeout(Duration.ZERO))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().sendTimeout(Duration.ofSeconds(-1)))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().credentials(" ", "x")).hasMessageContaining("blank");
    }

    @Test
    void aFailoverUrlShouldBeRefusedUnlessItLeavesReconnectingToKeel() {
        assertThatThrownBy(() -> ActiveMQClassicConfig.custom().url("failover:(tcp://a:61616,tcp://b:61616)"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxReconnectAttempts=0");
        assertThat(ActiveMQClassicConfig.custom()
                .url("failover:(tcp://a:61616,tcp://b:61616)?maxReconnectAttempts=0").build().url())
                .startsWith("failover:");
    }

    @Test
    void aConfigShouldEqualItsCopy() {
        ActiveMQClassicConfig config = ActiveMQClassicConfig.custom().url("tcp://h:1").sendLanes(2).prefetch(10)
                .prioritizedQueues(true).build();
        assertThat(ActiveMQClassicConfig.from(config).build()).isEqualTo(config).hasSameHashCodeAs(config);
        assertThat(ActiveMQClassicConfig.ofDefaults().url()).isEqualTo(ActiveMQClassicConfig.DEFAULT_URL);
    }
}
