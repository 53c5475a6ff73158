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

    /**
     * Sixth review: toString masked a value only up to a , or ) (a client reads both as part of it) and showed a
     * password parameter whose name was percent-encoded (a client decodes the name).
     */
    @Test
    void toStringShouldMaskAPasswordParameterToTheEndOfItsValueHoweverItsNameIsEncoded() {
        ArtemisConfig config = ArtemisConfig.custom().url("tcp://h:61616?sslEnabled=true&trustStorePassword=PRE0,"
                + "POSTLEAK)X&keyStorePasswor%64=S3CR3T&x=1%26keyStorePassword%3DS3CR3T&ha=false").build();

        assertThat(config.toString()).doesNotContain("PRE0", "POSTLEAK", "S3CR3T")
                .contains("url=tcp://h:61616?sslEnabled=true&trustStorePassword=****&****&x=****&ha=false,");
        assertThatThrownBy(() -> ArtemisConfig.custom().url("tcp://h:61616?trustStorePassword=PRE0 POSTLEAK"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without spaces")
                .hasMessageNotContaining("PRE0").hasMessageNotContaining("POSTLEAK");
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

    /**
     * Review (F7): a URL with user info was accepted and shown by toString ({@code tcp://keel:S3,CRET@...}); Artemis's
     * client reads the user as the host ({@code cannot reach ActiveMQ Artemis at keel:61616}).
     */
    @Test
    void aUrlWithUserInfoShouldBeRefusedWhateverThePasswordHolds() {
        for (String url : new String[] {"tcp://keel:S3CRET@127.0.0.1:61616", "tcp://keel:S3,CRET@127.0.0.1:61616",
            "tcp://keel:S3/CRET@127.0.0.1:61616", "(tcp://h:1,tcp://keel:S3(CRET@127.0.0.1:61616)?ha=true"}) {
            assertThatThrownBy(() -> ArtemisConfig.custom().url(url)).as(url)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user info")
                    .hasMessageContaining("credentials(username, password)").hasMessageNotContaining("CRET");
        }
    }
}
