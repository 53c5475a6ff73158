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
}
