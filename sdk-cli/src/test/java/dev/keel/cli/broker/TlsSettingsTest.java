package dev.keel.cli.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.cli.EnvironmentException;
import dev.keel.kafka.KafkaConfig;
import com.rabbitmq.client.DefaultSaslConfig;
import dev.keel.rabbit.AuthenticationMechanism;
import dev.keel.rabbit.RabbitConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The TLS flags: parsed, checked at once with errors naming the flag, applied to the TLS connections only, and never
 * printed with a password or a secret property's value. The trust store is the JDK's own {@code cacerts} (a real
 * store, nothing made at run time), its password from a variable.
 */
class TlsSettingsTest {

    private static final Path CACERTS = Path.of(System.getProperty("java.home"), "lib", "security", "cacerts");
    private static final String CACERTS_PASSWORD = "changeit";
    private static final Map<String, String> ENV = Map.of("TRUST_PW", CACERTS_PASSWORD, "WRONG_PW", "not-it");

    @TempDir
    Path dir;

    private static BrokerOptions parse(String... args) {
        BrokerOptions options = new BrokerOptions();
        new CommandLine(options).parseArgs(args);
        return options;
    }

    private static TlsSettings settings(BrokerOptions options) {
        return TlsSettings.of(options.tlsOptions(), ENV::get);
    }

    @Test
    void aTrustStoreShouldGiveOneContextAndKafkasSslPropertiesWhenKafkaUsesTls() {
        BrokerOptions options = parse("--truststore", CACERTS.toString(), "--truststore-password-env", "TRUST_PW",
                "--kafka-property", "security.protocol=SASL_SSL", "--kafka-property", "sasl.mechanism=SCRAM-SHA-512");

        TlsSettings tls = settings(options);

        assertThat(tls.sslContext()).isPresent();
        assertThat(tls.kafkaTls()).isTrue();
        assertThat(tls.kafkaProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.location", CACERTS.toAbsolutePath().toString())
                .containsEntry("ssl.truststore.password", CACERTS_PASSWORD)
                .containsKey("ssl.truststore.type")
                .doesNotContainKey("ssl.keystore.location");
        assertThat(tls.describe()).isEqualTo("trust store " + CACERTS).doesNotContain(CACERTS_PASSWORD);
    }

    @Test
    void aPlaintextKafkaShouldGetNoStoreProperties() {
        TlsSettings tls = settings(parse("--truststore", CACERTS.toString(), "--truststore-password-env", "TRUST_PW"));

        assertThat(tls.kafkaTls()).isFalse();
        assertThat(tls.kafkaProperties()).isEmpty();
    }

    @Test
    void storePropertiesGivenExplicitlyShouldWinOverTheSharedTrustStore() throws IOException {
        Path own = Files.createFile(dir.resolve("truststore.jks")); // a location must name a readable file
        TlsSettings tls = settings(parse("--truststore", CACERTS.toString(), "--truststore-password-env", "TRUST_PW",
                "--kafka-property", "security.protocol=SSL", "--kafka-property",
                "ssl.truststore.location=" + own));

        assertThat(tls.kafkaProperties()).containsEntry("ssl.truststore.location", own.toString())
                .doesNotContainKey("ssl.truststore.password");
    }

    @Test
    void aKafkaConfigFileShouldBeReadAndItsSecretsMaskedInTheEndpointAndTheMaskedView() throws IOException {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"app\" password=\"s3cret-jaas\";\nssl.key.password=s3cret-key\n");
        BrokerOptions options = parse("--bootstrap-servers", "kafka-1:9093", "--kafka-config", file.toString(),
                "--kafka-property", "sasl.mechanism=PLAIN", "--truststore", CACERTS.toString(),
                "--truststore-password-env", "TRUST_PW");
        TlsSettings tls = settings(options);

        assertThat(tls.kafkaProperties()).containsEntry("sasl.mechanism", "PLAIN") // the flag wins over the file
                .containsKey("sasl.jaas.config");
        assertThat(tls.maskedKafkaProperties()).containsEntry("sasl.jaas.config", TlsSettings.MASK)
                .containsEntry("ssl.key.password", TlsSettings.MASK)
                .containsEntry("ssl.truststore.password", TlsSettings.MASK)
                .containsEntry("security.protocol", "SASL_SSL");
        assertThat(tls.maskedKafkaProperties().toString()).doesNotContain("s3cret").doesNotContain(CACERTS_PASSWORD);
    }

    @Test
    void kafkasEndpointAndConfigShouldCarryTheProtocolButNoSecret() throws IOException {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\nsasl.jaas.config=x password=\"s3cret-jaas\";\n");
        BrokerOptions options = parse("--broker", "kafka", "--bootstrap-servers", "kafka-1:9093", "--kafka-config",
                file.toString());

        String endpoint = new KafkaMode().endpoint(options);
        KafkaConfig config = KafkaMode.config(options);

        assertThat(endpoint).isEqualTo("kafka-1:9093 over SASL_SSL");
        assertThat(config.properties()).containsEntry("security.protocol", "SASL_SSL");
        assertThat(config.toString()).doesNotContain("s3cret");
    }

    @Test
    void anAmqpsUriShouldUseTheContextOfTheStoresAndAPlainUriShouldNot() {
        BrokerOptions tlsUri = parse("--broker", "rabbit", "--rabbit-uri", "amqps://app:s3cret@mq.internal:5671/shop",
                "--truststore", CACERTS.toString(), "--truststore-password-env", "TRUST_PW");
        BrokerOptions plainUri = parse("--broker", "rabbit", "--rabbit-uri", "amqp://app:s3cret@mq.internal:5672/shop",
                "--truststore", CACERTS.toString(), "--truststore-password-env", "TRUST_PW");

        RabbitConfig tls = RabbitMode.config(withEnv(tlsUri));
        RabbitConfig plain = RabbitMode.config(withEnv(plainUri));

        assertThat(tls.tls()).isTrue();
        assertThat(tls.sslContext()).isPresent();
        assertThat(tls.port()).isEqualTo(5671);
        assertThat(plain.tls()).isFalse();
        assertThat(plain.sslContext()).isEmpty();
        assertThat(new RabbitMode().endpoint(withEnv(tlsUri))).isEqualTo("amqps://mq.internal:5671/shop with trust "
                + "store " + CACERTS).doesNotContain("s3cret").doesNotContain(CACERTS_PASSWORD);
    }

    @Test
    void authMechanismExternalInAnAmqpsUriShouldLogInWithTheCertificateAndNoPassword() throws Exception {
        String uri = "amqps://mq.internal:5671/shop?auth_mechanism=external";
        BrokerOptions external = parse("--broker", "rabbit", "--rabbit-uri", uri,
                "--truststore", CACERTS.toString(), "--truststore-password-env", "TRUST_PW");

        RabbitConfig config = RabbitMode.config(withEnv(external));

        assertThat(config.authentication()).isEqualTo(AuthenticationMechanism.EXTERNAL);
        assertThat(config.sslContext()).isPresent();
        assertThat(new RabbitMode().endpoint(withEnv(external))).startsWith(uri + " with trust store");
        assertThat(RawRabbitPublisher.factory(URI.create(uri), config.sslContext().get()).getSaslConfig())
                .as("the raw baselines of keel bench log in the same way").isEqualTo(DefaultSaslConfig.EXTERNAL);
        assertThatThrownBy(() -> RabbitMode.config(withEnv(parse("--broker", "rabbit", "--rabbit-uri",
                "amqps://app:s3cret@mq.internal:5671/shop?auth_mechanism=external"))))
                .isInstanceOf(EnvironmentException.class).hasMessageStartingWith("--rabbit-uri: authentication EXTERNAL")
                .hasMessageContaining("remove the password").hasMessageNotContaining("s3cret");
    }

    @Test
    void aMissingTrustStoreShouldNameTheFlag() {
        assertThatThrownBy(() -> settings(parse("--truststore", dir.resolve("nope.p12").toString())))
                .isInstanceOf(EnvironmentException.class).hasMessage("--truststore: no such file: "
                        + dir.resolve("nope.p12"));
    }

    @Test
    void anUnsetPasswordVariableShouldNameTheVariableAndNoValue() {
        assertThatThrownBy(() -> settings(parse("--truststore", CACERTS.toString(), "--truststore-password-env",
                "NOT_SET_ANYWHERE"))).isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("--truststore-password-env: the environment variable NOT_SET_ANYWHERE is not set");
    }

    @Test
    void aWrongPasswordShouldSaySoWithoutPrintingIt() {
        assertThatThrownBy(() -> settings(parse("--truststore", CACERTS.toString(), "--truststore-password-env",
                "WRONG_PW"))).isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("--truststore " + CACERTS).hasMessageContaining("WRONG_PW")
                .hasMessageNotContaining("not-it");
    }

    @Test
    void aFileThatIsNoStoreShouldBeRefusedNamingTheFlag() throws IOException {
        Path notAStore = Files.writeString(dir.resolve("client.crt"), "-----BEGIN CERTIFICATE-----\n");

        assertThatThrownBy(() -> settings(parse("--truststore", notAStore.toString())))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("--truststore " + notAStore + " cannot be read as a PKCS12 or JKS store");
    }

    @Test
    void aKeyStoreWithoutItsPasswordVariableShouldBeRefused() {
        assertThatThrownBy(() -> settings(parse("--keystore", CACERTS.toString())))
                .isInstanceOf(EnvironmentException.class)
                .hasMessage("--keystore needs --keystore-password-env VAR, the name of the environment variable "
                        + "holding its password");
    }

    @Test
    void aPasswordVariableWithoutItsStoreShouldBeRefused() {
        assertThatThrownBy(() -> settings(parse("--truststore-password-env", "TRUST_PW")))
                .isInstanceOf(EnvironmentException.class).hasMessage("--truststore-password-env needs --truststore PATH");
    }

    @Test
    void theFlagsShouldBePassedOnToAChildJvmAsPathsAndVariableNamesOnly() {
        BrokerOptions options = parse("--truststore", CACERTS.toString(), "--truststore-password-env", "TRUST_PW",
                "--kafka-property", "security.protocol=SSL");

        assertThat(options.tlsOptions().args()).containsExactly("--truststore", CACERTS.toString(),
                "--truststore-password-env", "TRUST_PW", "--kafka-property", "security.protocol=SSL");
    }

    @Test
    void secretNamesShouldBeRecognised() {
        assertThat(TlsSettings.isSecret("sasl.jaas.config")).isTrue();
        assertThat(TlsSettings.isSecret("ssl.keystore.password")).isTrue();
        assertThat(TlsSettings.isSecret("ssl.keystore.key")).isTrue();
        assertThat(TlsSettings.isSecret("basic.auth.user.info")).isTrue();
        assertThat(TlsSettings.isSecret("ssl.truststore.location")).isFalse();
        assertThat(TlsSettings.isSecret("security.protocol")).isFalse();
    }

    /** The options with their TLS settings read from {@link #ENV} rather than the process's environment. */
    private static BrokerOptions withEnv(BrokerOptions options) {
        options.tls(TlsSettings.of(options.tlsOptions(), ENV::get));
        return options;
    }
}
