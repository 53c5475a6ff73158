package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import dev.keel.faults.DroppingListener;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.SecuredKafka;
import dev.keel.testbrokers.TestCertificates;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * TLS ({@code security.protocol=SSL}) pointed at a plaintext listener, and a plaintext protocol at the secured broker's
 * {@code SASL_SSL} listener: kafka-clients only logs "terminated during authentication" and its calls time out, as
 * they do when the cluster is away; Keel then asks the listener, and reports a non-retriable
 * {@link AccessRefusedException} naming the bootstrap servers and what to check, for a publish and a subscribe
 * alike. A listener that accepts and drops the connection without answering (a broker going away) stays a retriable
 * outage; a refused certificate names the bootstrap servers too.
 */
@Tag("secured")
class KafkaTlsMismatchTest {

    private final SecuredKafka secured = SecuredKafka.local();
    private final TestCertificates tls = TestCertificates.get();
    private final String user = "keel-mismatch-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();
    private final String topic = "keel-mismatch-" + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void tlsAtAPlaintextListenerShouldBeRefusedNamingTheBootstrapServers() {
        String servers = Brokers.kafka().bootstrapServers();
        Map<String, String> ssl = new HashMap<>(secured.tlsClientProperties(user, password, tls.trustStore(),
                tls.clientKeyStore()));
        ssl.remove("sasl.mechanism");
        ssl.remove("sasl.jaas.config");
        ssl.put("security.protocol", "SSL");
        assertMismatch(servers, ssl, "Kafka at " + servers + " (the bootstrap servers) is a plaintext listener",
                "security.protocol=SSL");
    }

    @Test
    void plaintextAtTheTlsListenerShouldBeRefusedNamingTheBootstrapServers() {
        String servers = secured.saslSslBootstrapServers();
        assertMismatch(servers, secured.clientProperties(user, password),
                "Kafka at " + servers + " (the bootstrap servers) is a TLS listener", "SASL_SSL");
    }

    @Test
    void aRefusedCertificateShouldNameTheBootstrapServers() {
        secured.putUser(user, password);
        secured.allow(user, ResourceType.TOPIC, topic, PatternType.PREFIXED, AclOperation.ALL);
        String servers = secured.saslSslBootstrapServers();
        try (KafkaAdapter adapter = adapter(servers, secured.tlsClientProperties(user, password,
                tls.untrustedTrustStore(), tls.clientKeyStore()));
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            assertThatThrownBy(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish())
                    .isInstanceOf(AccessRefusedException.class)
                    .hasMessageContaining("Kafka at " + servers + " refused")
                    .hasMessageContaining("does not trust the server's certificate");
        } finally {
            secured.revokeAll(user);
        }
    }

    /** A listener that takes the connection and closes it at once, answering nothing: what a broker going away does. */
    @Test
    void aListenerThatDropsTheConnectionShouldStayARetriableOutage() throws IOException {
        try (DroppingListener dropping = DroppingListener.start()) {
            String servers = "127.0.0.1:" + dropping.port();
            Map<String, String> ssl = new HashMap<>(secured.tlsClientProperties(user, password, tls.trustStore(),
                    tls.clientKeyStore()));
            for (Map<String, String> properties : List.of(ssl, secured.clientProperties(user, password))) {
                try (KafkaAdapter adapter = adapter(servers, properties);
                     Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
                    assertThatThrownBy(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish())
                            .isInstanceOfSatisfying(KeelException.class, e -> assertThat(e.isRetriable()).isTrue())
                            .isNotInstanceOf(AccessRefusedException.class).hasMessageNotContaining("listener");
                }
            }
        }
    }

    private void assertMismatch(String servers, Map<String, String> properties, String what, String fix) {
        try (KafkaAdapter adapter = adapter(servers, properties);
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish())
                    .isInstanceOfSatisfying(AccessRefusedException.class, e -> assertThat(e.isRetriable()).isFalse())
                    .hasMessageContaining(what).hasMessageContaining(fix).hasMessageContaining("retrying cannot help")
                    .hasMessageNotContaining(password).hasMessageNotContaining(tls.password());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
            Throwable subscribe = catchThrowable(() -> keel.subscribe(SubscriptionConfig.builder(topic, "g",
                    Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> { }));
            assertThat(subscribe).isInstanceOf(AccessRefusedException.class).hasMessageContaining(what);
        }
    }

    private static KafkaAdapter adapter(String servers, Map<String, String> properties) {
        return new KafkaAdapter(KafkaTestSupport.config(servers).properties(properties)
                .deliveryTimeout(Duration.ofSeconds(10)).requestTimeout(Duration.ofSeconds(3)).build());
    }
}
