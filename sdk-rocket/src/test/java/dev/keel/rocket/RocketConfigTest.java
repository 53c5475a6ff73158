package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RocketConfig: defaults, copies, and every setter refusing bad values at once. */
class RocketConfigTest {

    @Test
    void defaultsShouldBeTheNamedConstants() {
        RocketConfig config = RocketConfig.ofDefaults();

        assertThat(config.nameServer()).isEqualTo(RocketConfig.DEFAULT_NAME_SERVER);
        assertThat(config.clientId()).isEqualTo(RocketConfig.DEFAULT_CLIENT_ID);
        assertThat(config.sendTimeout()).isEqualTo(RocketConfig.DEFAULT_SEND_TIMEOUT);
        assertThat(config.rebalanceInterval()).isEqualTo(RocketConfig.DEFAULT_REBALANCE_INTERVAL);
        assertThat(config.maxMessageBytes()).isEqualTo(RocketConfig.DEFAULT_MAX_MESSAGE_BYTES);
        assertThat(config.transactionCheckImmunity()).isEqualTo(RocketConfig.DEFAULT_TRANSACTION_CHECK_IMMUNITY)
                .isZero();
    }

    @Test
    void transactionCheckImmunityShouldBeWholeSecondsRoundedUpAndAtMostADay() {
        assertThat(RocketConfig.custom().transactionCheckImmunity(Duration.ofMillis(1500)).build()
                .transactionCheckImmunity()).isEqualTo(Duration.ofSeconds(2));
        assertThat(RocketConfig.custom().transactionCheckImmunity(Duration.ZERO).build().transactionCheckImmunity())
                .isZero();
        assertThatThrownBy(() -> RocketConfig.custom().transactionCheckImmunity(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("transactionCheckImmunity");
        assertThatThrownBy(() -> RocketConfig.custom().transactionCheckImmunity(Duration.ofDays(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most a day");
    }

    @Test
    void fromShouldCopyEverySettingAndEqualTheOriginal() {
        RocketConfig original = RocketConfig.custom().nameServer("ns-1:9876;ns-2:9876").clientId("billing")
                .sendTimeout(Duration.ofSeconds(3)).adminTimeout(Duration.ofSeconds(4))
                .pollTimeout(Duration.ofMillis(50)).commitInterval(Duration.ofSeconds(1))
                .rebalanceInterval(Duration.ofSeconds(2)).closeTimeout(Duration.ofSeconds(5)).maxBatchMessages(64)
                .maxMessageBytes(1024).maxDelay(Duration.ofHours(1)).transactionCheckImmunity(Duration.ofSeconds(30))
                .credentials("billing-service", "s3cret")
                .build();

        RocketConfig copy = RocketConfig.from(original).build();

        assertThat(copy).isEqualTo(original).hasSameHashCodeAs(original);
        assertThat(copy.toString()).contains("ns-1:9876;ns-2:9876").contains("billing");
    }

    @Test
    void nameServerWithoutAPortShouldFail() {
        assertThatThrownBy(() -> RocketConfig.custom().nameServer("localhost"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host:port");
        assertThatThrownBy(() -> RocketConfig.custom().nameServer("localhost:x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a number");
        assertThatThrownBy(() -> RocketConfig.custom().nameServer(" "))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clientIdThatCannotPrefixAGroupNameShouldFail() {
        assertThatThrownBy(() -> RocketConfig.custom().clientId("billing.v2"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("billing.v2");
    }

    @Test
    void nonPositiveOrTooShortDurationsShouldFail() {
        assertThatThrownBy(() -> RocketConfig.custom().sendTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sendTimeout");
        assertThatThrownBy(() -> RocketConfig.custom().commitInterval(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commitInterval");
        assertThatThrownBy(() -> RocketConfig.custom().rebalanceInterval(Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[100 ms, 20 s]");
        assertThatThrownBy(() -> RocketConfig.custom().rebalanceInterval(Duration.ofSeconds(30)))
                .as("the client rebalances every 20 s anyway: a longer period would be silently ignored")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[100 ms, 20 s]");
    }

    @Test
    void batchAndBodyLimitsOutsideTheirRangesShouldFail() {
        assertThatThrownBy(() -> RocketConfig.custom().maxBatchMessages(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBatchMessages");
        assertThatThrownBy(() -> RocketConfig.custom().maxMessageBytes(RocketConfig.DEFAULT_MAX_MESSAGE_BYTES + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxMessageBytes");
    }

    @Test
    void theSecretKeyShouldBeMaskedInToStringAndTheAccessKeyShown() {
        RocketConfig config = RocketConfig.custom().credentials("orders-service", "s3cret-Pa55").build();

        assertThat(config.toString()).doesNotContain("s3cret-Pa55").contains("accessKey=orders-service")
                .contains("secretKey=****");
        assertThat(config.accessKey()).contains("orders-service");
        assertThat(config.secretKey()).contains("s3cret-Pa55");
        assertThat(RocketConfig.from(config).noCredentials().build()).isEqualTo(RocketConfig.ofDefaults());
        assertThat(RocketConfig.ofDefaults().toString()).doesNotContain("accessKey");
    }

    @Test
    void blankOrPaddedCredentialsShouldFailWithoutQuotingThem() {
        assertThatThrownBy(() -> RocketConfig.custom().credentials(" ", "secret"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("accessKey must not be blank");
        assertThatThrownBy(() -> RocketConfig.custom().credentials("app", " s3cret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secretKey must not start or end with white space");
        assertThatThrownBy(() -> RocketConfig.custom().credentials("app", "s3\ncret"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("s3");
        assertThatThrownBy(() -> RocketConfig.custom().credentials("app", null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void tlsShouldBeCopiedByFromAndItsKeyPasswordMaskedInToString(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "ca");
        Path cert = Files.writeString(dir.resolve("client.pem"), "cert");
        Path key = Files.writeString(dir.resolve("client.key"), "key");
        RocketConfig config = RocketConfig.custom().tls(ca).clientCertificate(cert, key, "k3y-Pa55").build();

        assertThat(config.tls()).isTrue();
        assertThat(config.tlsTrustedCertificates()).contains(ca.toAbsolutePath());
        assertThat(config.tlsClientKeyPassword()).contains("k3y-Pa55");
        assertThat(config.toString()).doesNotContain("k3y-Pa55").contains("tlsClientKeyPassword=****")
                .contains("tls=on");
        assertThat(RocketConfig.from(config).build()).isEqualTo(config);
        assertThat(RocketConfig.from(config).noTls().build().tls()).isFalse();
        assertThat(RocketConfig.ofDefaults().tls()).isFalse();
    }

    @Test
    void tlsFilesThatCannotBeReadOrACertificateWithoutTlsShouldFail(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> RocketConfig.custom().tls(missing)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trustedCertificates must be a readable PEM file");
        Path cert = Files.writeString(dir.resolve("client.pem"), "cert");
        Path key = Files.writeString(dir.resolve("client.key"), "key");
        assertThatThrownBy(() -> RocketConfig.custom().clientCertificate(cert, key, null).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs tls(trustedCertificates)");
    }
}
