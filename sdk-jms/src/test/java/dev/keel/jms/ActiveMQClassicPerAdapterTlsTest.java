package dev.keel.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.testbrokers.SecuredActiveMQ;
import dev.keel.testbrokers.TestCertificates;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * TLS material per ActiveMQ Classic adapter ({@link ActiveMQClassicConfig.Builder#trustStore} and
 * {@link ActiveMQClassicConfig.Builder#keyStore}), in ONE JVM whose {@code javax.net.ssl.*} properties are not set:
 * adapters with different stores (and one given key and trust managers, {@code tlsManagers}) side by side on the
 * secured broker's TLS connector (needClientAuth, host name verification on). The one with the run's trust store and
 * client key store publishes and consumes each message once; the one whose trust store lacks the run's CA, and the one
 * without a client certificate, are refused at once, not retriable, naming the certificate problem and the store to
 * fix.
 */
@Tag("secured")
class ActiveMQClassicPerAdapterTlsTest {

    private static final String GROUP = "g";
    private static final int MESSAGES = 20;

    private final SecuredActiveMQ activemq = SecuredActiveMQ.local();
    private final TestCertificates tls = TestCertificates.get();
    private final String topic = "keel-tls-own-" + UUID.randomUUID().toString().substring(0, 8);
    private final String user = "keel-tls-own-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();

    @BeforeEach
    void addUser() {
        // the point of the test: nothing JVM-wide tells the Classic client about the run's CA or client certificate
        assertThat(System.getProperty("javax.net.ssl.trustStore")).isNull();
        assertThat(System.getProperty("javax.net.ssl.keyStore")).isNull();
        activemq.putUser(user, password, SecuredActiveMQ.ADMIN);
    }

    @AfterEach
    void removeUser() {
        activemq.removeUser(user);
    }

    @Test
    void eachAdapterShouldUseItsOwnStoresInOneJvm() throws Exception {
        try (ActiveMQClassicAdapter trusted = adapter(tls.trustStore(), tls.clientKeyStore());
             ActiveMQClassicAdapter untrusting = adapter(tls.untrustedTrustStore(), tls.clientKeyStore());
             ActiveMQClassicAdapter byManagers = new ActiveMQClassicAdapter(ClassicTestSupport
                     .config(activemq.tlsUrl()).credentials(user, password).sendTimeout(Duration.ofSeconds(10))
                     .tlsManagers(keyManagers(tls.clientKeyStore()), trustManagers(tls.trustStore())).build());
             Keel good = Keel.builder(trusted).withoutIdempotencyStore().build();
             Keel bad = Keel.builder(untrusting).withoutIdempotencyStore().build();
             Keel third = Keel.builder(byManagers).withoutIdempotencyStore().build()) {
            good.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
            Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
            Subscription subscription = good.subscribe(SubscriptionConfig.builder(topic, GROUP, Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(),
                    d -> handled.computeIfAbsent(d.payload(), k -> new AtomicInteger()).incrementAndGet());

            assertRefused(bad, "trust store");

            for (int i = 0; i < MESSAGES; i++) {
                good.publisher(topic, Codec.utf8()).message("m-" + i).key("k" + (i % 4)).publish();
            }
            third.publisher(topic, Codec.utf8()).message("by-managers").key("k0").publish();
            await().atMost(Duration.ofSeconds(60)).until(() -> handled.size() >= MESSAGES + 1);
            assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
            assertThat(handled).doesNotContainKey("refused").containsKey("by-managers").hasSize(MESSAGES + 1);
            assertThat(handled.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        }
    }

    /**
     * Without a client certificate the broker refuses after the client's side of the TLS 1.3 handshake, and the
     * client sees its connection reset: Keel's probe that names the refusal must use the adapter's trust store too,
     * not the JVM's (which does not trust the broker), or it blames the trust store.
     */
    @Test
    void anAdapterWithoutAClientCertificateShouldBeRefusedNamingTheKeyStore() {
        try (ActiveMQClassicAdapter noCertificate = adapter(tls.trustStore(), null);
             Keel keel = Keel.builder(noCertificate).withoutIdempotencyStore().build()) {
            assertRefused(keel, "key store");
        }
    }

    private void assertRefused(Keel keel, String advice) {
        assertThatThrownBy(() -> keel.publisher(topic, Codec.utf8()).message("refused").key("k").publish())
                .isInstanceOfSatisfying(AccessRefusedException.class, e -> assertThat(e.isRetriable()).isFalse())
                .hasMessageContaining("certificate").hasMessageContaining(advice)
                .hasMessageNotContaining(password).hasMessageNotContaining(tls.password());
        KeelException failure;
        try {
            Subscription s = keel.subscribe(SubscriptionConfig.builder(topic, GROUP, Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> { });
            await().atMost(Duration.ofSeconds(60)).until(() -> s.state() == Subscription.State.FAILED);
            failure = (KeelException) s.failure().orElseThrow();
        } catch (KeelException e) {
            failure = e;
        }
        assertThat(failure).isInstanceOf(AccessRefusedException.class).hasMessageContaining("certificate")
                .hasMessageContaining(advice);
        assertThat(failure.isRetriable()).isFalse();
    }

    private KeyManager[] keyManagers(Path keyStore) throws Exception {
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(load(keyStore), tls.password().toCharArray());
        return factory.getKeyManagers();
    }

    private TrustManager[] trustManagers(Path trustStore) throws Exception {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(load(trustStore));
        return factory.getTrustManagers();
    }

    private KeyStore load(Path path) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(path)) {
            store.load(in, tls.password().toCharArray());
        }
        return store;
    }

    private ActiveMQClassicAdapter adapter(Path trustStore, Path keyStore) {
        ActiveMQClassicConfig.Builder config = ClassicTestSupport.config(activemq.tlsUrl()).credentials(user, password)
                .sendTimeout(Duration.ofSeconds(10)).trustStore(trustStore, "PKCS12", tls.password());
        if (keyStore != null) {
            config.keyStore(keyStore, "PKCS12", tls.password());
        }
        return new ActiveMQClassicAdapter(config.build());
    }
}
