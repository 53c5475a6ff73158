package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (F8): a {@code --kafka-config} the Kafka client refuses was told one way by {@code keel replay} (the
 * documented "the Kafka client refused its configuration (--kafka-config, ...)") and another by {@code keel verify}
 * ("KeelException: ... (KafkaConfig.Builder.property, keel.kafka.properties.* with the Spring Boot starter) ... The
 * broker or store failed during the run."), and {@code keel bench} printed a warning about topics it could not delete
 * first. Every command now says it the documented way, on its first line, and names the flags.
 */
class ClientConfigRefusedWordingTest {

    private static final String SECRET = "s3cr3t-wording-7";

    @TempDir
    Path dir;

    @Test
    void verifyShouldSayTheClientRefusedItsConfigurationNamingTheFlags() throws Exception {
        Path store = dir.resolve("client.p12");
        KeyStore empty = KeyStore.getInstance("PKCS12");
        empty.load(null, null);
        try (OutputStream out = Files.newOutputStream(store)) {
            empty.store(out, "the-right-one".toCharArray());
        }
        CliRun run = runWith("security.protocol=SSL\nssl.keystore.location=" + store + "\nssl.keystore.password="
                + SECRET + "\n", "verify", "--messages", "100");

        assertRefusedAsDocumented(run);
    }

    @Test
    void benchShouldSayTheClientRefusedItsConfigurationWithoutATopicWarningFirst() throws IOException {
        CliRun run = runWith("security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"orders\" password=\"" + SECRET + "\"\n", "bench", "--only", "publish", "--messages",
                "100");

        assertRefusedAsDocumented(run);
        assertThat(run.err()).doesNotContain("could not delete");
    }

    private CliRun runWith(String properties, String command, String... more) throws IOException {
        Path config = dir.resolve("client.properties");
        Files.writeString(config, properties);
        // something listens, so the CLI's reachability check passes and the client is created
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String[] args = new String[6 + more.length];
            args[0] = command;
            args[1] = "--broker";
            args[2] = "kafka";
            args[3] = "--bootstrap-servers=127.0.0.1:" + listening.getLocalPort();
            args[4] = "--kafka-config";
            args[5] = config.toString();
            System.arraycopy(more, 0, args, 6, more.length);
            return CliRun.of(args);
        }
    }

    private static void assertRefusedAsDocumented(CliRun run) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
        assertThat(run.err().lines().findFirst().orElse("")).as(run.err())
                .startsWith("keel: the Kafka client refused its configuration (--kafka-config, --kafka-tls-config, "
                        + "--kafka-property): ");
        assertThat(run.err()).doesNotContain("failed during the run").doesNotContain("KafkaConfig.Builder")
                .doesNotContain(SECRET).doesNotContain("\tat ");
        assertThat(run.out()).doesNotContain(SECRET);
    }
}
