package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.keel.KeelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key or trust store kafka-clients cannot load is the configuration's fault: the adapter says so with a
 * {@link KeelException} that is not retriable and names the store, its password masked, instead of the client's raw
 * {@code KafkaException} ("Failed to construct kafka producer"). The clients refuse before they connect: no broker.
 */
class KafkaClientConfigurationRefusedTest {

    private static final String PASSWORD = "Sup3r-s3cret";

    @TempDir
    Path dir;

    @Test
    void aKeyStoreTheClientCannotLoadShouldFailThePublisherAsANonRetriableConfigurationError() throws IOException {
        Path garbage = Files.writeString(dir.resolve("client.p12"), "not a key store", StandardCharsets.US_ASCII);
        KafkaConfig config = KafkaConfig.custom().bootstrapServers("127.0.0.1:9")
                .property("security.protocol", "SSL")
                .property("ssl.keystore.location", garbage.toString())
                .property("ssl.keystore.type", "PKCS12")
                .property("ssl.keystore.password", PASSWORD)
                .build();

        try (KafkaAdapter adapter = new KafkaAdapter(config)) {
            KeelException refused = catchThrowableOfType(KeelException.class, adapter::producer);

            assertThat(refused).as("a typed refusal").isNotNull();
            assertThat(refused.isRetriable()).isFalse();
            assertThat(refused.getMessage()).contains("refused its configuration").contains("keystore")
                    .contains("not retried").doesNotContain(PASSWORD);
        }
    }

    @Test
    void aTrustStoreThatIsNotThereShouldFailTheAdminAsANonRetriableConfigurationError() {
        Path missing = dir.resolve("missing-truststore.p12");
        KafkaConfig config = KafkaConfig.custom().bootstrapServers("127.0.0.1:9")
                .property("security.protocol", "SSL")
                .property("ssl.truststore.location", missing.toString())
                .property("ssl.truststore.password", PASSWORD)
                .build();

        try (KafkaAdapter adapter = new KafkaAdapter(config)) {
            KeelException refused = catchThrowableOfType(KeelException.class,
                    () -> adapter.ensureTopology(dev.keel.TopicSpec.builder("orders").build()));

            assertThat(refused).as("a typed refusal").isNotNull();
            assertThat(refused.isRetriable()).isFalse();
            assertThat(refused.getMessage()).contains("refused its configuration").contains(missing.toString())
                    .doesNotContain(PASSWORD);
        }
    }
}
