package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import dev.keel.faults.DroppingListener;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.UsesBrokers;
import java.io.IOException;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * TLS pointed at RabbitMQ's plaintext listener, and plaintext at its TLS listener (the harness's private node, both
 * listeners on one node): a configuration mistake that no retry cures, so a non-retriable
 * {@link AccessRefusedException} naming the address and what to check, for a publish and a subscribe alike. A listener
 * that accepts and drops the connection without answering (a node going away) stays a retriable outage.
 */
@Tag("secured")
@UsesBrokers(BrokerKind.RABBIT)
class RabbitTlsMismatchTest {

    private final RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
    private final String topic = RabbitTestSupport.unique("tls-mismatch");

    @Test
    void tlsAtThePlaintextListenerShouldBeRefusedNamingTheAddressAndTheTlsPort() {
        String address = rabbit.host() + ":" + rabbit.port();
        try (RabbitAdapter adapter = adapter(rabbit.port(), TestCertificates.get().clientContext());
             Keel keel = keel(adapter)) {
            assertMismatch(keel, address, "is a plaintext listener", "TLS listener");
        }
    }

    @Test
    void plaintextAtTheTlsListenerShouldBeRefusedNamingTheAddressAndTheTlsSetting() {
        String address = rabbit.host() + ":" + rabbit.tlsPort();
        try (RabbitAdapter adapter = adapter(rabbit.tlsPort(), null); Keel keel = keel(adapter)) {
            assertMismatch(keel, address, "is a TLS listener", "amqps://");
        }
    }

    /** A listener that takes the connection and closes it at once, answering nothing: what a node going away does. */
    @Test
    void aListenerThatDropsTheConnectionShouldStayARetriableOutage() throws IOException {
        try (DroppingListener dropping = DroppingListener.start()) {
            for (SSLContext context : new SSLContext[] {TestCertificates.get().clientContext(), null}) {
                try (RabbitAdapter adapter = adapter(dropping.port(), context); Keel keel = keel(adapter)) {
                    assertThatThrownBy(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish())
                            .isInstanceOfSatisfying(BrokerUnavailableException.class,
                                    e -> assertThat(e.isRetriable()).isTrue())
                            .hasMessageNotContaining("listener");
                }
            }
        }
    }

    private RabbitAdapter adapter(int port, SSLContext context) {
        RabbitConfig.Builder config = RabbitConfig.custom().host(rabbit.host()).port(port)
                .virtualHost(rabbit.virtualHost()).username(rabbit.username()).password(rabbit.password())
                .connectionTimeout(Duration.ofSeconds(5)).recoveryInterval(Duration.ofMillis(500));
        if (context != null) {
            config.sslContext(context);
        }
        return new RabbitAdapter(config.build());
    }

    private static Keel keel(RabbitAdapter adapter) {
        return Keel.builder(adapter).withoutIdempotencyStore().build();
    }

    private void assertMismatch(Keel keel, String address, String kind, String fix) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish())
                .isInstanceOfSatisfying(AccessRefusedException.class, e -> assertThat(e.isRetriable()).isFalse())
                .hasMessageContaining("RabbitMQ at " + address + " " + kind).hasMessageContaining(fix)
                .hasMessageContaining("retrying cannot help").hasMessageNotContaining(rabbit.password());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        KeelException subscribe = (KeelException) org.assertj.core.api.Assertions.catchThrowable(() ->
                keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8())
                        .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> { }));
        assertThat(subscribe).isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("RabbitMQ at " + address + " " + kind);
    }
}
