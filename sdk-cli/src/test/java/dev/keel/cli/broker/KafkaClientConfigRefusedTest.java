package dev.keel.cli.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.cli.CliRun;
import dev.keel.cli.ExitCodes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Kafka client configuration that the client itself refuses (here a {@code sasl.jaas.config} line without its
 * closing semicolon) is bad input: exit 2 with the client's reason, never "a bug in keel" (exit 3), and never the
 * password of the line. The client refuses it when it is created, before any connection, so no broker is needed.
 */
class KafkaClientConfigRefusedTest {

    private static final String SECRET = "s3cr3t-Jaas-9";

    @TempDir
    Path dir;

    @Test
    void aJaasLineTheClientCannotParseShouldExitTwoWithItsReasonAndNoPassword() throws IOException {
        Path config = dir.resolve("client.properties");
        Files.writeString(config, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"orders\" password=\"" + SECRET + "\"\n");

        CliRun run;
        // something listens, so the CLI's reachability check passes and the client is created
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            run = CliRun.of("dlq", "list", "--broker", "kafka", "--bootstrap-servers",
                    "127.0.0.1:" + listening.getLocalPort(), "--kafka-config", config.toString(), "--topic", "orders",
                    "--group", "billing");
        }

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("the Kafka client refused its configuration").contains("semi-colon")
                .doesNotContain("internal error").doesNotContain(SECRET);
        assertThat(run.out()).doesNotContain(SECRET);
    }

    /**
     * Review (F8): a key store that does not exist, a malformed PEM key and a malformed PEM trust store in
     * {@code --kafka-config} were "internal error: KafkaException: Failed to create new KafkaAdminClient ... This is a
     * bug in keel" (exit 3); the reason (InvalidConfigurationException: Invalid PEM keystore configs) showed only with
     * --stacktrace, and the missing file was logged at ERROR with a stack trace by the client.
     */
    @Test
    void aKeyStoreTheClientCannotLoadShouldExitTwoWithItsReason() throws IOException {
        String[][] cases = {
            {"security.protocol=SSL\nssl.keystore.location=" + dir.resolve("missing.p12") + "\nssl.keystore.password="
                    + SECRET + "\n", "missing.p12"},
            {"security.protocol=SSL\nssl.keystore.type=PEM\nssl.keystore.key=-----BEGIN PRIVATE KEY----- " + SECRET
                    + " -----END PRIVATE KEY-----\nssl.keystore.certificate.chain=garbage\n", "PEM"},
            {"security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.certificates=garbage" + SECRET + "\n",
                "PEM"}};
        for (String[] contentAndReason : cases) {
            Path config = dir.resolve("client.properties");
            Files.writeString(config, contentAndReason[0]);
            CliRun run;
            try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                run = CliRun.of("verify", "--broker", "kafka", "--bootstrap-servers",
                        "127.0.0.1:" + listening.getLocalPort(), "--kafka-config", config.toString(), "--messages",
                        "100");
            }

            assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
            assertThat(run.err()).as(contentAndReason[0]).contains(contentAndReason[1])
                    .doesNotContain("internal error").doesNotContain("bug in keel").doesNotContain(SECRET)
                    .doesNotContain("\tat ");
            assertThat(run.out()).doesNotContain(SECRET);
        }
    }

    /**
     * Review (F5): {@code sasl.mechanism=BOGUS-MECH}, or a {@code PlainLoginModule} line under {@code SCRAM-SHA-512},
     * made {@code keel verify} wait for the broker and print 480 lines of "Failed to create SaslClient" stack traces
     * and "(a transient failure: check it is up and try again)". Keel refuses both when it builds the configuration:
     * one line naming the settings, exit 2, before any connection (nothing listens here), no password printed.
     */
    @Test
    void saslSettingsThatCannotWorkShouldExitTwoAtOnceNamingThemAndNoPassword() throws IOException {
        String jaas = "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"orders\" password=\"" + SECRET + "\";\n";
        String[][] cases = {
            {"security.protocol=SASL_SSL\nsasl.mechanism=BOGUS-MECH\n" + jaas, "sasl.mechanism 'BOGUS-MECH'"},
            {"security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n" + jaas, "ScramLoginModule"}};
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        for (String[] contentAndReason : cases) {
            Path config = dir.resolve("client.properties");
            Files.writeString(config, contentAndReason[0]);

            CliRun run = CliRun.of("verify", "--broker", "kafka", "--bootstrap-servers", "127.0.0.1:" + closedPort,
                    "--kafka-config", config.toString(), "--messages", "100");

            assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
            assertThat(run.err()).as(contentAndReason[0]).startsWith("keel: the Kafka client refused its configuration")
                    .contains(contentAndReason[1]).doesNotContain("cannot reach").doesNotContain("internal error")
                    .doesNotContain("transient").doesNotContain(SECRET).doesNotContain("\tat ");
            assertThat(run.err().strip().lines()).as(run.err()).hasSize(1);
            assertThat(run.out()).doesNotContain(SECRET);
        }
    }

    /**
     * Review F1 and F2: the client's reason quoted a token endpoint's URL with its user info, and a token of a JAAS
     * line it could not parse (part of the password), and the CLI printed it.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common."
                + "security.scram.ScramLoginModule required username=\"alice\" password=SEKRIT first;\n",
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common."
                + "security.scram.ScramLoginModule required username=\"u\" \"SEKRIT-jaaskey\";\n",
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common."
                + "security.scram.ScramLoginModule SEKRIT-j4 username=\"u\";\n",
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=OAUTHBEARER\nsasl.jaas.config=org.apache.kafka.common."
                + "security.oauthbearer.OAuthBearerLoginModule required;\nsasl.login.callback.handler.class=org.apache."
                + "kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler\n"
                + "sasl.oauthbearer.token.endpoint.url=https://cid:SEKRIT-oauth-url@127.0.0.1:1/token\n"})
    void aSettingTheClientRefusesShouldBeReportedWithoutAnyPartOfItsSecret(String content) throws IOException {
        Path config = Files.writeString(dir.resolve("client.properties"), content);

        CliRun run;
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            run = CliRun.of("dlq", "list", "--broker", "kafka", "--bootstrap-servers",
                    "127.0.0.1:" + listening.getLocalPort(), "--kafka-config", config.toString(), "--topic", "orders",
                    "--group", "billing");
        }

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err()).contains("the Kafka client refused its configuration").doesNotContain("internal error")
                .doesNotContain("SEKRIT").doesNotContain("cid:").doesNotContain("first");
        assertThat(run.out()).doesNotContain("SEKRIT");
    }
}
