package dev.keel.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.ExitCodes;
import dev.keel.testbrokers.SecuredKafka;
import dev.keel.testbrokers.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keel verify} over TLS on Kafka, as a user runs it: its own JVM, the secured Kafka's {@code SASL_SSL} listener
 * (SCRAM-SHA-512 over TLS, client certificates required), the login in a {@code --kafka-config} file, and the stores
 * from {@code --truststore}/{@code --keystore} with their password in an environment variable. The run passes and
 * prints neither the password nor the JAAS line; with a trust store that does not hold the CA it is refused at once
 * (exit 2), saying which certificate and what to change.
 */
@Tag("secured")
class VerifyOverTlsOnKafkaTest {

    private static final String STORE_PASSWORD_ENV = "KEEL_TEST_STORE_PASSWORD";
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(180);

    private final SecuredKafka kafka = SecuredKafka.local();
    private final String user = "keel-verify-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();

    @TempDir
    Path dir;

    @AfterEach
    void revoke() {
        kafka.revokeAll(user);
    }

    @Test
    void verifyOverSaslSslShouldPassAndPrintNoSecret() throws IOException {
        TestCertificates tls = TestCertificates.get();

        KeelInItsOwnJvm.Result run = keel(tls.trustStore(), "--messages", "60", "--keys", "6", "--crash-rate", "0",
                "--duplicate-rate", "0.05", "--poison-rate", "0.05", "--seed", "20261126", "--partitions", "2",
                "--timeout", "90s", "--no-progress");

        System.out.println(run.output()); // the report, for docs/cli.md
        assertThat(run.exitCode()).as(run.output()).isEqualTo(ExitCodes.OK);
        assertThat(run.output()).contains("PASS: no violation")
                .contains(kafka.saslSslBootstrapServers() + " over SASL_SSL with trust store " + tls.trustStore())
                .doesNotContain(password).doesNotContain(tls.password()).doesNotContain("ScramLoginModule");
    }

    @Test
    void aTrustStoreWithoutTheBrokersCaShouldBeRefusedAtOnceNamingTheCertificate() throws IOException {
        TestCertificates tls = TestCertificates.get();

        KeelInItsOwnJvm.Result run = keel(tls.untrustedTrustStore(), "--messages", "20", "--keys", "5", "--timeout", "30s",
                "--no-progress");

        System.out.println(run.output());
        assertThat(run.exitCode()).as(run.output()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.output()).contains("keel: AccessRefusedException: ").contains("TLS handshake failed")
                .contains("ssl.truststore").contains("refused access (not an outage: it answered)")
                .doesNotContain(password).doesNotContain(tls.password()).doesNotContain("Exception in thread");
    }

    /**
     * keel verify on the SASL_SSL listener as a user allowed everything on topics, groups and transactional ids (verify
     * declares and deletes its own topics and groups), trusting {@code trustStore}.
     */
    private KeelInItsOwnJvm.Result keel(Path trustStore, String... more) throws IOException {
        TestCertificates tls = TestCertificates.get();
        kafka.putUser(user, password);
        kafka.allow(user, ResourceType.TOPIC, "*", PatternType.LITERAL, AclOperation.ALL);
        kafka.allow(user, ResourceType.GROUP, "*", PatternType.LITERAL, AclOperation.ALL);
        kafka.allow(user, ResourceType.TRANSACTIONAL_ID, "*", PatternType.LITERAL, AclOperation.ALL);
        Path config = dir.resolve("client.properties");
        Files.writeString(config, String.join("\n", "security.protocol=SASL_SSL", "sasl.mechanism=SCRAM-SHA-512",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                        + "\" password=\"" + password + "\";", ""));
        List<String> args = new ArrayList<>(List.of("verify", "--broker", "kafka", "--bootstrap-servers",
                kafka.saslSslBootstrapServers(), "--kafka-config", config.toString(),
                "--truststore", trustStore.toString(), "--truststore-password-env", STORE_PASSWORD_ENV,
                "--keystore", tls.clientKeyStore().toString(), "--keystore-password-env", STORE_PASSWORD_ENV));
        args.addAll(List.of(more));
        return KeelInItsOwnJvm.run("keel-verify-kafka-tls", Map.of(STORE_PASSWORD_ENV, tls.password()), args,
                RUN_TIMEOUT);
    }
}
