package dev.keel.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.AccessRefusedException;
import dev.keel.BrokerUnavailableException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import dev.keel.faults.DroppingListener;
import dev.keel.faults.FaultProxy;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.SecuredActiveMQ;
import dev.keel.testbrokers.SecuredArtemis;
import dev.keel.testbrokers.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * TLS pointed at the plaintext acceptor or connector of Artemis and ActiveMQ Classic, and plaintext at their TLS ones
 * (the secured brokers of the harness have both): a configuration mistake that no retry cures, so a non-retriable
 * {@link AccessRefusedException} naming the address and what to check, for a publish and a subscribe alike. A
 * certificate refusal names the address too. A listener that accepts and drops the connection without answering (a
 * broker going away) stays a retriable outage.
 */
@Tag("secured")
class JmsTlsMismatchTest {

    private final TestCertificates tls = TestCertificates.get();
    private final String topic = "keel-mismatch-" + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void artemisOverTlsAtThePlaintextAcceptorShouldBeRefusedNamingTheAddress() {
        SecuredArtemis artemis = SecuredArtemis.local();
        String tlsUrl = artemis.tlsUrl(tls.trustStore(), tls.clientKeyStore());
        String plain = artemis.url();
        assertMismatch(artemis(plain + tlsUrl.substring(tlsUrl.indexOf('?')) + "&callTimeout=5000", artemis),
                "ActiveMQ Artemis at " + hostPort(plain) + " is a plaintext listener", "sslEnabled=true");
    }

    @Test
    void artemisInPlaintextAtTheTlsAcceptorShouldBeRefusedNamingTheAddress() {
        SecuredArtemis artemis = SecuredArtemis.local();
        String tlsUrl = artemis.tlsUrl(tls.trustStore(), tls.clientKeyStore());
        String base = tlsUrl.substring(0, tlsUrl.indexOf('?'));
        assertMismatch(artemis(base + "?callTimeout=5000", artemis),
                "ActiveMQ Artemis at " + hostPort(base) + " is a TLS listener", "sslEnabled=true");
    }

    @Test
    void classicOverTlsAtThePlaintextConnectorShouldBeRefusedNamingTheAddress() {
        SecuredActiveMQ classic = SecuredActiveMQ.local();
        String plain = classic.url();
        assertMismatch(classic(plain.replace("tcp://", "ssl://"), classic, true),
                "ActiveMQ Classic at " + hostPort(plain) + " is a plaintext listener", "ssl://");
    }

    @Test
    void classicInPlaintextAtTheTlsConnectorShouldBeRefusedNamingTheAddress() {
        SecuredActiveMQ classic = SecuredActiveMQ.local();
        String tlsUrl = classic.tlsUrl();
        assertMismatch(classic(tlsUrl.replace("ssl://", "tcp://"), classic, false),
                "ActiveMQ Classic at " + hostPort(tlsUrl) + " is a TLS listener", "ssl://");
    }

    @Test
    void aRefusedCertificateShouldNameTheBrokersAddress() {
        SecuredActiveMQ classic = SecuredActiveMQ.local();
        try (ActiveMQClassicAdapter adapter = new ActiveMQClassicAdapter(ClassicTestSupport.config(classic.tlsUrl())
                .credentials(classic.adminUser(), classic.adminPassword()).sendTimeout(Duration.ofSeconds(10))
                .trustStore(tls.untrustedTrustStore(), "PKCS12", tls.password())
                .keyStore(tls.clientKeyStore(), "PKCS12", tls.password()).build());
             Keel keel = keel(adapter)) {
            assertThatThrownBy(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish())
                    .isInstanceOf(AccessRefusedException.class)
                    .hasMessageContaining("the broker at " + hostPort(classic.tlsUrl()) + " could not be reached over"
                            + " TLS").hasMessageContaining("does not trust the server's certificate");
        }
        SecuredArtemis artemis = SecuredArtemis.local();
        String untrusting = artemis.tlsUrl(tls.untrustedTrustStore(), tls.clientKeyStore());
        try (ArtemisAdapter adapter = artemis(untrusting + "&callTimeout=5000", artemis);
             Keel keel = keel(adapter)) {
            assertThatThrownBy(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish())
                    .isInstanceOf(AccessRefusedException.class)
                    .hasMessageContaining("the broker at " + hostPort(untrusting) + " could not be reached over TLS")
                    .hasMessageContaining("does not trust the server's certificate")
                    .hasMessageNotContaining(tls.password());
        }
    }

    /** A listener that takes the connection and closes it at once, answering nothing: what a broker going away does. */
    @Test
    void aListenerThatDropsTheConnectionShouldStayARetriableOutage() throws IOException {
        try (DroppingListener dropping = DroppingListener.start()) {
            String at = "127.0.0.1:" + dropping.port();
            SecuredActiveMQ classic = SecuredActiveMQ.local();
            SecuredArtemis artemis = SecuredArtemis.local();
            String tlsQuery = artemis.tlsUrl(tls.trustStore(), tls.clientKeyStore());
            tlsQuery = tlsQuery.substring(tlsQuery.indexOf('?'));
            for (BrokerAdapter adapter : new BrokerAdapter[] {classic("ssl://" + at, classic, true),
                classic("tcp://" + at, classic, false), artemis("tcp://" + at + tlsQuery + "&callTimeout=5000", artemis),
                artemis("tcp://" + at + "?callTimeout=5000", artemis)}) {
                try (adapter; Keel keel = keel(adapter)) {
                    assertThatThrownBy(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish())
                            .isInstanceOfSatisfying(KeelException.class, e -> assertThat(e.isRetriable()).isTrue())
                            .isNotInstanceOf(AccessRefusedException.class).hasMessageNotContaining("listener");
                }
            }
        }
    }

    /**
     * A mismatch found is not held against the address once nothing listens there (the broker went away): a publish is
     * a retriable outage again within seconds, not "retrying cannot help" for a minute.
     */
    @Test
    void classicShouldTellABrokerAwayAfterAMismatchAsAnOutage() {
        SecuredActiveMQ classic = SecuredActiveMQ.local();
        URI tlsConnector = URI.create(classic.tlsUrl().split("\\?")[0]);
        try (FaultProxy proxy = FaultProxy.to(tlsConnector.getHost(), tlsConnector.getPort());
             ActiveMQClassicAdapter adapter = classic("tcp://127.0.0.1:" + proxy.port(), classic, false);
             Keel keel = keel(adapter)) {
            assertMismatchThenOutage(keel, proxy, "is a TLS listener");
        }
    }

    /** As {@link #classicShouldTellABrokerAwayAfterAMismatchAsAnOutage}, for a TLS client at a plaintext acceptor. */
    @Test
    void artemisShouldTellABrokerAwayAfterAMismatchAsAnOutage() {
        SecuredArtemis artemis = SecuredArtemis.local();
        String tlsUrl = artemis.tlsUrl(tls.trustStore(), tls.clientKeyStore());
        URI plain = URI.create(artemis.url().split("\\?")[0]);
        try (FaultProxy proxy = FaultProxy.to(plain.getHost(), plain.getPort());
             ArtemisAdapter adapter = artemis("tcp://127.0.0.1:" + proxy.port() + tlsUrl.substring(tlsUrl.indexOf('?'))
                     + "&callTimeout=5000", artemis);
             Keel keel = keel(adapter)) {
            assertMismatchThenOutage(keel, proxy, "is a plaintext listener");
        }
    }

    private void assertMismatchThenOutage(Keel keel, FaultProxy proxy, String mismatch) {
        assertThatThrownBy(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish())
                .isInstanceOf(AccessRefusedException.class).hasMessageContaining(mismatch);
        proxy.close(); // nothing listens at the address any more

        await().atMost(Duration.ofSeconds(40)).untilAsserted(() ->
                assertThatThrownBy(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish())
                        .isInstanceOfSatisfying(KeelException.class, e -> assertThat(e.isRetriable()).isTrue())
                        .isNotInstanceOf(AccessRefusedException.class).hasMessageNotContaining("listener"));
    }

    private void assertMismatch(BrokerAdapter adapter, String what, String fix) {
        try (adapter; Keel keel = keel(adapter)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> keel.publisher(topic, Codec.utf8()).message("m").key("k").publish())
                    .isInstanceOfSatisfying(AccessRefusedException.class, e -> assertThat(e.isRetriable()).isFalse())
                    .hasMessageContaining(what).hasMessageContaining(fix).hasMessageContaining("retrying cannot help")
                    .hasMessageNotContaining(tls.password());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
            Throwable subscribe = catchThrowable(() -> keel.subscribe(SubscriptionConfig.builder(topic, "g",
                    Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> { }));
            assertThat(subscribe).isInstanceOf(AccessRefusedException.class).hasMessageContaining(what);
        }
    }

    private static ArtemisAdapter artemis(String url, SecuredArtemis artemis) {
        return new ArtemisAdapter(ArtemisTestSupport.config(url)
                .credentials(artemis.adminUser(), artemis.adminPassword()).build());
    }

    private ActiveMQClassicAdapter classic(String url, SecuredActiveMQ classic, boolean stores) {
        ActiveMQClassicConfig.Builder config = ClassicTestSupport.config(url)
                .credentials(classic.adminUser(), classic.adminPassword()).sendTimeout(Duration.ofSeconds(10));
        if (stores) {
            config.trustStore(tls.trustStore(), "PKCS12", tls.password())
                    .keyStore(tls.clientKeyStore(), "PKCS12", tls.password());
        }
        return new ActiveMQClassicAdapter(config.build());
    }

    private static Keel keel(BrokerAdapter adapter) {
        return Keel.builder(adapter).withoutIdempotencyStore().build();
    }

    private static String hostPort(String url) {
        int query = url.indexOf('?');
        URI uri = URI.create(query < 0 ? url : url.substring(0, query));
        return uri.getHost() + ":" + uri.getPort();
    }
}
