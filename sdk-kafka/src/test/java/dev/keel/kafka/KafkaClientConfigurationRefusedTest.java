package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.keel.ClientConfigRefusedException;
import dev.keel.KeelException;
import dev.keel.TopicSpec;
import dev.keel.spi.ConsumerSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
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
            assertThat(refused.getMessage()).contains("refused its configuration").contains("ssl.keystore.location")
                    .contains("not a PKCS12 key store, or is damaged").contains("not retried").doesNotContain(PASSWORD);
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
                    .contains("ssl.truststore.location").contains("the file does not exist").doesNotContain("keystore")
                    .doesNotContain(PASSWORD);
        }
    }

    /** Review F1: kafka-clients quotes the token endpoint's URL, user info and all. */
    @Test
    void aTokenEndpointUrlWithUserInfoShouldNotBeQuotedInTheRefusalNorItsCauses() {
        KafkaConfig config = KafkaConfig.custom().bootstrapServers("127.0.0.1:9")
                .property("security.protocol", "SASL_PLAINTEXT")
                .property("sasl.mechanism", "OAUTHBEARER")
                .property("sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule "
                        + "required;")
                .property("sasl.login.callback.handler.class",
                        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler")
                .property("sasl.oauthbearer.token.endpoint.url", "https://cid:SEKRIT-oauth-url@127.0.0.1:1/token")
                .build();

        try (KafkaAdapter adapter = new KafkaAdapter(config)) {
            KeelException refused = catchThrowableOfType(KeelException.class, adapter::producer);

            assertThat(refused).as("a typed refusal").isNotNull();
            assertThat(refused.isRetriable()).isFalse();
            assertThat(refused.getMessage()).contains("refused its configuration")
                    .contains("sasl.oauthbearer.token.endpoint.url").contains("cannot be accessed");
            assertThat(printed(refused)).doesNotContain("SEKRIT").doesNotContain("cid:");
        }
    }

    /**
     * Review F2 and F3: a JAAS line the client cannot parse failed publish, topology, subscription and replay with
     * kafka-clients' raw KafkaException, its message or cause quoting a token of the line (part of the password).
     */
    @Test
    void aJaasLineTheClientCannotParseShouldFailEveryFirstCallWithoutQuotingIt() {
        String scram = "org.apache.kafka.common.security.scram.ScramLoginModule ";
        List<String> lines = List.of(scram + "required username=\"alice\" password=SEKRIT first;",
                scram + "required username=\"u\" \"SEKRIT-jaaskey\";", scram + "SEKRIT-j4 username=\"u\";");
        Map<String, Consumer<KafkaAdapter>> calls = Map.of(
                "publish", KafkaAdapter::producer,
                "topology", adapter -> adapter.ensureTopology(TopicSpec.builder("orders").build()),
                "subscription", adapter -> adapter.consumer(new ConsumerSettings("orders", "g1", 16, Duration.ofSeconds(1),
                        java.util.Optional.empty())),
                "replay", adapter -> adapter.planRewind("orders", "g1", Instant.EPOCH));
        for (String line : lines) {
            KafkaConfig config = KafkaConfig.custom().bootstrapServers("127.0.0.1:9")
                    .property("security.protocol", "SASL_PLAINTEXT")
                    .property("sasl.mechanism", "SCRAM-SHA-512")
                    .property("sasl.jaas.config", line)
                    .build();
            calls.forEach((call, invocation) -> {
                try (KafkaAdapter adapter = new KafkaAdapter(config)) {
                    Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> invocation.accept(adapter));

                    assertThat(refused).as(call + " " + line).isExactlyInstanceOf(ClientConfigRefusedException.class);
                    assertThat(((KeelException) refused).isRetriable()).isFalse();
                    assertThat(refused.getMessage()).as(call).contains("sasl.jaas.config could not be parsed")
                            .contains("double quotes").doesNotContain("first");
                    assertThat(printed(refused)).as(call).doesNotContain("SEKRIT");
                }
            });
        }
    }

    /** Review F4: replay created its admin client itself; a wrong trust store password threw the raw KafkaException. */
    @Test
    void aReplayWithATrustStoreItCannotOpenShouldFailAsANonRetriableConfigurationError() throws Exception {
        Path store = dir.resolve("trust.p12");
        KeyStore empty = KeyStore.getInstance("PKCS12");
        empty.load(null, null);
        try (OutputStream out = Files.newOutputStream(store)) {
            empty.store(out, "the-right-one".toCharArray());
        }
        KafkaConfig config = KafkaConfig.custom().bootstrapServers("127.0.0.1:9")
                .property("security.protocol", "SSL")
                .property("ssl.truststore.location", store.toString())
                .property("ssl.truststore.type", "PKCS12")
                .property("ssl.truststore.password", PASSWORD)
                .build();

        assertRefused(config, adapter -> adapter.planRewind("orders", "g1", Instant.EPOCH), "ssl.truststore.location");
        assertRefused(config, adapter -> adapter.rewind("orders", "g1", List.of(new dev.keel.PartitionRewind("0", 5, 1))),
                "ssl.truststore.location");
    }

    /** Review F4: an unknown isolation.level threw IllegalArgumentException ("No enum constant") from a replay. */
    @Test
    void aReplayWithAnUnknownIsolationLevelShouldFailAsANonRetriableConfigurationError() {
        KafkaConfig config = KafkaConfig.custom().bootstrapServers("127.0.0.1:9")
                .property("isolation.level", "bogus").build();

        assertRefused(config, adapter -> adapter.planRewind("orders", "g1", Instant.EPOCH), "isolation.level");
    }

    /**
     * Review F4: a transactional pipeline created its clients itself: a consumer-only bad setting threw "Failed to
     * construct kafka consumer", a producer-only one a raw ConfigException.
     */
    @Test
    void aTransactionalPipelineWhoseClientsRefuseTheirSettingsShouldFailAsANonRetriableConfigurationError() {
        PipelineConfig pipeline = PipelineConfig.builder("in", "g1", "tx-1").build();
        RecordTransform transform = input -> List.of();
        KafkaConfig consumerOnly = KafkaConfig.custom().bootstrapServers("127.0.0.1:9").topicAutoCreation(true)
                .property("partition.assignment.strategy", "com.nope.Assignor").build();
        KafkaConfig producerOnly = KafkaConfig.custom().bootstrapServers("127.0.0.1:9").topicAutoCreation(true)
                .property("compression.type", "bogus").build();

        assertRefused(consumerOnly, adapter -> adapter.transactionalPipeline(pipeline, transform).close(),
                "com.nope.Assignor");
        assertRefused(producerOnly, adapter -> adapter.transactionalPipeline(pipeline, transform).close(),
                "compression.type");
    }

    private static void assertRefused(KafkaConfig config, Consumer<KafkaAdapter> call, String naming) {
        try (KafkaAdapter adapter = new KafkaAdapter(config)) {
            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> call.accept(adapter));

            assertThat(refused).isExactlyInstanceOf(ClientConfigRefusedException.class);
            assertThat(((KeelException) refused).isRetriable()).isFalse();
            assertThat(((ClientConfigRefusedException) refused).reason()).contains(naming).doesNotContain(PASSWORD)
                    .doesNotContain("not retried");
            assertThat(refused.getMessage()).contains("refused its configuration").contains(naming)
                    .contains("not retried").doesNotContain(PASSWORD);
            assertThat(printed(refused)).doesNotContain(PASSWORD);
        }
    }

    private static String printed(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
