package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.testbrokers.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RocketConfig: defaults, copies, and every setter refusing bad values at once. */
class RocketConfigTest {

    /** Made at run time (keytool), deleted when the JVM exits. */
    private static final TestCertificates TLS = TestCertificates.get();

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
        Path key = PemKeys.encrypted(TLS.clientKeyDer(), "k3y-Pa55", dir.resolve("client.key"));
        RocketConfig config = RocketConfig.custom().tls(TLS.caCertificate())
                .clientCertificate(TLS.clientCertificate(), key, "k3y-Pa55").build();

        assertThat(config.tls()).isTrue();
        assertThat(config.tlsTrustedCertificates()).contains(TLS.caCertificate().toAbsolutePath());
        assertThat(config.tlsClientKeyPassword()).contains("k3y-Pa55");
        assertThat(config.toString()).doesNotContain("k3y-Pa55").contains("tlsClientKeyPassword=****")
                .contains("tls=on");
        assertThat(RocketConfig.from(config).build()).isEqualTo(config);
        assertThat(RocketConfig.from(config).noTls().build().tls()).isFalse();
        assertThat(RocketConfig.ofDefaults().tls()).isFalse();
    }

    @Test
    void tlsFilesThatCannotBeReadOrACertificateWithoutTlsShouldFail(@TempDir Path dir) {
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> RocketConfig.custom().tls(missing)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trustedCertificates must be a readable PEM file");
        assertThatThrownBy(() -> RocketConfig.custom().clientCertificate(TLS.clientCertificate(), TLS.clientKey(), null)
                .build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs tls(trustedCertificates)");
    }

    /**
     * Outside review: a trusted-certificates file without a certificate passed build(), and the first ensureTopology
     * threw Netty's raw IllegalArgumentException "File does not contain valid certificates", not a KeelException.
     */
    @Test
    void trustedCertificatesWithoutACertificateShouldFailNamingTheFileAndTheSetting(@TempDir Path dir)
            throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.pem"));
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n-----BEGIN CERTIFICATE-----\n"
                + "bm90IERFUg==\n-----END CERTIFICATE-----\n");
        Path text = Files.writeString(dir.resolve("text.pem"), "just some text, no PEM block at all\n");
        Path key = TLS.clientKey();
        Path directory = Files.createDirectory(dir.resolve("certs"));
        Path missing = dir.resolve("missing.pem");

        for (Path file : List.of(empty, garbage, text, key, directory, missing)) {
            assertThatThrownBy(() -> RocketConfig.custom().tls(file).build()).as("tls(%s)", file)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("RocketConfig tls(trustedCertificates)")
                    .hasMessageContaining(file.toAbsolutePath().toString());
        }
        assertThatThrownBy(() -> RocketConfig.custom().tls(empty)).hasMessageContaining("holds no PEM certificate");
        assertThatThrownBy(() -> RocketConfig.custom().tls(key)).hasMessageContaining("holds no PEM certificate");
        assertThatThrownBy(() -> RocketConfig.custom().tls(garbage)).hasMessageContaining("cannot be read");
        assertThatThrownBy(() -> RocketConfig.custom().tls(directory)).hasMessageContaining("a directory");
        assertThatThrownBy(() -> RocketConfig.custom().tls(missing)).hasMessageContaining("no such file");

        assertThat(RocketConfig.custom().tls(TLS.caCertificate()).build().tlsTrustedCertificates())
                .contains(TLS.caCertificate().toAbsolutePath());
    }

    /**
     * Outside review, finding 4: a key that is not the certificate's passed build(), then every request failed as a
     * retriable outage (the server refuses the handshake; rocketmq-client reports a connection closed).
     */
    @Test
    void aKeyThatIsNotTheCertificatesShouldFailNamingBothFiles() {
        assertThatThrownBy(() -> RocketConfig.custom().tls(TLS.caCertificate())
                .clientCertificate(TLS.clientCertificate(), TLS.serverKey(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clientCertificate(certificate, key, keyPassword)")
                .hasMessageContaining("the key " + TLS.serverKey().toAbsolutePath() + " is not the key of the "
                        + "certificate " + TLS.clientCertificate().toAbsolutePath());
    }

    /**
     * Outside review, finding 5: key material rocketmq-client cannot read passed build() and failed each publish
     * with "Input stream does not contain valid private key.", naming neither file nor setting.
     */
    @Test
    void anEncryptedKeyWithAWrongPasswordShouldFailWithoutShowingEitherPassword(@TempDir Path dir) throws Exception {
        Path key = PemKeys.encrypted(TLS.clientKeyDer(), "r1ght-Pa55", dir.resolve("client.key"));

        assertThatThrownBy(() -> RocketConfig.custom().clientCertificate(TLS.clientCertificate(), key, "wr0ng-Pa55"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the key " + key.toAbsolutePath() + " cannot be decrypted with the keyPassword "
                        + "given: the password is wrong")
                .hasMessageNotContaining("wr0ng-Pa55").hasMessageNotContaining("r1ght-Pa55");
    }

    @Test
    void anEncryptedKeyWithoutAPasswordShouldFailAskingForIt(@TempDir Path dir) throws Exception {
        Path key = PemKeys.encrypted(TLS.clientKeyDer(), "r1ght-Pa55", dir.resolve("client.key"));

        assertThatThrownBy(() -> RocketConfig.custom().clientCertificate(TLS.clientCertificate(), key, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the key " + key.toAbsolutePath() + " is encrypted")
                .hasMessageContaining("give its password as keyPassword");
    }

    @Test
    void aKeyNotInPkcs8ShouldFailNamingTheConversion(@TempDir Path dir) throws Exception {
        Path key = PemKeys.sec1(TLS.clientKeyDer(), dir.resolve("client-ec.key"));

        assertThatThrownBy(() -> RocketConfig.custom().clientCertificate(TLS.clientCertificate(), key, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the key " + key.toAbsolutePath() + " is not PKCS#8 (it is -----BEGIN EC "
                        + "PRIVATE KEY-----)")
                .hasMessageContaining("openssl pkcs8 -topk8 -in " + key.toAbsolutePath());
    }

    @Test
    void anUnencryptedKeyGivenAPasswordShouldFailWithoutShowingIt() {
        assertThatThrownBy(() -> RocketConfig.custom().clientCertificate(TLS.clientCertificate(), TLS.clientKey(),
                "k3y-Pa55")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the key " + TLS.clientKey().toAbsolutePath() + " is not encrypted")
                .hasMessageContaining("give no keyPassword").hasMessageNotContaining("k3y-Pa55");
    }

    @Test
    void aCertificateFileWithoutACertificateShouldFailNamingIt() {
        assertThatThrownBy(() -> RocketConfig.custom().clientCertificate(TLS.clientKey(), TLS.clientKey(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the certificate " + TLS.clientKey().toAbsolutePath() + " holds no PEM "
                        + "certificate");
    }

    /** Review (F7): a name server with user info was accepted and shown by toString (the CLI refuses the same value). */
    @Test
    void aNameServerHoldingUserInfoShouldBeRefusedSayingWhereTheKeysGo() {
        for (String nameServer : List.of("ak:S3CRET@127.0.0.1:9876", "127.0.0.1:9876;ak:S3CRET@127.0.0.1:9877",
                "127.0.0.1:98x?secret=S3CRET")) {
            assertThatThrownBy(() -> RocketConfig.custom().nameServer(nameServer)).as(nameServer)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("S3CRET");
        }
        assertThatThrownBy(() -> RocketConfig.custom().nameServer("ak:S3CRET@127.0.0.1:9876"))
                .hasMessageContaining("credentials(accessKey, secretKey)");
    }
}
