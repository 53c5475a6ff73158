package dev.keel.jms;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArtemisConfigTest {

    @Test
    void toStringShouldShowNeitherThePasswordNorTheUrlsPasswordParameters() {
        ArtemisConfig config = ArtemisConfig.custom()
                .url("tcp://host:61616?sslEnabled=true&trustStorePassword=store-secret&keyStorePassword=key-secret")
                .credentials("app", "user-secret").build();

        assertThat(config.toString()).doesNotContain("store-secret", "key-secret", "user-secret")
                .contains("tcp://host:61616?sslEnabled=true", "username=app", "trustStorePassword=****");
        assertThat(config.password()).contains("user-secret");
    }

    @Test
    void invalidValuesShouldBeRefusedAtOnceSayingWhatIsAllowed() {
        assertThatThrownBy(() -> ArtemisConfig.custom().url(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tcp://localhost:61616");
        assertThatThrownBy(() -> ArtemisConfig.custom().sendLanes(0)).hasMessageContaining("[1, 64]");
        assertThatThrownBy(() -> ArtemisConfig.custom().defaultPartitions(2000)).hasMessageContaining("[1, 1024]");
        assertThatThrownBy(() -> ArtemisConfig.custom().maxMessageBytes(0)).hasMessageContaining(">= 1");
        assertThatThrownBy(() -> ArtemisConfig.custom().closeTimeout(Duration.ZERO)).hasMessageContaining("positive");
        assertThatThrownBy(() -> ArtemisConfig.custom().credentials(" ", "x")).hasMessageContaining("blank");
    }

    @Test
    void aConfigShouldEqualItsCopy() {
        ArtemisConfig config = ArtemisConfig.custom().url("tcp://h:1").sendLanes(2).build();
        assertThat(ArtemisConfig.from(config).build()).isEqualTo(config).hasSameHashCodeAs(config);
        assertThat(ArtemisConfig.ofDefaults().url()).isEqualTo(ArtemisConfig.DEFAULT_URL);
    }
}
