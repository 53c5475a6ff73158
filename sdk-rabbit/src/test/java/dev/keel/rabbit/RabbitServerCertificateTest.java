package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublisherConfig;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.ListenerCertificates;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.TestCertificates.ServerCertificate;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The certificate of the broker's own TLS listener: the harness's private RabbitMQ node restarted
 * ({@code stop_app}/{@code start_app}) presenting an expired certificate of the trusted CA, a certificate of the trusted
 * CA for another host, or a certificate of a new CA (a rotation). The first two are refused at once, with a
 * non-retriable {@link AccessRefusedException} naming the problem: a new adapter's publish (not stored) and subscribe,
 * and a running subscription that meets it on its reconnect ({@code FAILED}); the messages stay on the broker and a
 * consumer started once the node presents a valid certificate handles each once. A certificate renewed within the same
 * CA, and one of a new CA that the running adapter already trusts (beside the old one), are accepted on its reconnect:
 * it goes on, nothing lost, nothing twice. The node's certificate is changed in its configuration, read again at {@code start_app}
 * ({@code RabbitEndpoint.restartPresenting}); each test gives the node its own certificate back.
 */
@Tag("secured")
@UsesBrokers(BrokerKind.RABBIT)
class RabbitServerCertificateTest {

    private static final String GROUP = "billing";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
    private final TestCertificates certificates = TestCertificates.get();
    private final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    private final String keyPrefix = UniqueNames.of("rabbit-cert");
    private RabbitAdapter plain;
    private Keel plainPublisher;
    private String topic;
    private boolean changed;

    @BeforeEach
    void declareTopic() {
        assumeTrue(rabbit.supportsNodeCommands(), "needs the harness's private RabbitMQ node (its TLS listener)");
        rabbit.tlsPort();
        topic = RabbitTestSupport.unique("tls-cert");
        plain = new RabbitAdapter(RabbitTestSupport.config().build());
        plainPublisher = Keel.builder(plain).withoutIdempotencyStore().build();
        plainPublisher.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
    }

    @AfterEach
    void restoreTheNodesCertificate() {
        try {
            if (changed) {
                present(ServerCertificate.CURRENT);
            }
        } finally {
            if (plainPublisher != null) {
                plainPublisher.close();
                plain.deleteTopology(topic);
                plain.close();
            }
        }
    }

    @Test
    void anExpiredServerCertificateShouldBeRefusedAtOnceNamingItAndTheMessagesKept() {
        refusedThenRenewed(ServerCertificate.EXPIRED, "the server's certificate has expired",
                "renew the server's certificate");
    }

    @Test
    void aServerCertificateForAnotherHostShouldBeRefusedAtOnceNamingItAndTheMessagesKept() {
        refusedThenRenewed(ServerCertificate.OTHER_HOST, "does not name the host the client connected to",
                "connect by a name or address the certificate lists");
    }

    /**
     * The node's certificate replaced by another of the same CA (a renewal, a new key), the node restarted: a running
     * adapter, which trusts only that CA, reconnects, checks the new certificate with host name verification, and goes
     * on publishing and consuming; each message handled once.
     */
    @Test
    void aCertificateRenewedWithinTheSameCaShouldBeAcceptedByARunningAdapterOnItsReconnect() throws Exception {
        rotateUnder(RecordingTlsContext.trusting(certificates.trustStore()), ServerCertificate.RENEWED);
    }

    /**
     * The node's certificate replaced by one of a new CA, the node restarted: a running adapter whose trust store
     * holds both CAs (the client side of a rotation, done first) reconnects, checks the new certificate with host name
     * verification, and goes on publishing and consuming; each message handled once.
     */
    @Test
    void aCertificateRotatedToANewCaShouldBeAcceptedByARunningAdapterThatTrustsBothCas() throws Exception {
        rotateUnder(RecordingTlsContext.trusting(certificates.trustStore(), certificates.rotatedTrustStore()),
                ServerCertificate.ROTATED);
    }

    private void rotateUnder(RecordingTlsContext tls, ServerCertificate next) throws Exception {
        X509Certificate presented = ListenerCertificates.read(certificates.serverCertificate(next));
        try (IdempotencyStore store = RabbitTlsContractTest.TlsRedis.store(keyPrefix);
             RabbitAdapter adapter = tlsAdapter(tls.context());
             Keel keel = Keel.builder(adapter).idempotencyStore(store)
                     .publisherConfig(PublisherConfig.custom().timeout(PATIENCE).build()).build()) {
            Subscription subscription = keel.subscribe(subscription(), this::handle);
            publishOverTls(keel, "before", 5);
            await().atMost(PATIENCE).until(() -> handled.size() == 5);
            int checksBefore = tls.checks().size();

            present(next);
            publishOverTls(keel, "after", 10);

            await().atMost(PATIENCE).until(() -> handled.size() == 15);
            await().atMost(PATIENCE).until(() -> subscription.state() == Subscription.State.RUNNING);
            assertThat(tls.checks().subList(checksBefore, tls.checks().size()))
                    .as("the reconnections' checks of the new certificate").isNotEmpty()
                    .allSatisfy(check -> {
                        assertThat(check.presented()).isEqualTo(presented);
                        assertThat(check.passed()).isTrue();
                        assertThat(check.endpointIdentification()).isEqualTo("HTTPS");
                    });
        }
        assertThat(handled).allSatisfy((payload, times) -> assertThat(times.get()).as(payload).isEqualTo(1));
    }

    /**
     * A running subscription over TLS; the node restarted presenting {@code bad}: the subscription fails with the
     * refusal, a new adapter's publish and subscribe are refused at once; the node given a valid certificate again,
     * a new consumer handles everything published meanwhile, each once.
     */
    private void refusedThenRenewed(ServerCertificate bad, String problem, String fix) {
        try (IdempotencyStore store = RabbitTlsContractTest.TlsRedis.store(keyPrefix);
             RabbitAdapter adapter = tlsAdapter(certificates.clientContext());
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            Subscription running = keel.subscribe(subscription(), this::handle);
            publishPlain("before", 5);
            await().atMost(PATIENCE).until(() -> handled.size() == 5);

            present(bad);

            await().atMost(PATIENCE).until(() -> running.state() == Subscription.State.FAILED);
            assertRefused(running.failure().orElseThrow(), problem, fix);
        }
        publishPlain("while-refused", 5);

        try (RabbitAdapter adapter = tlsAdapter(certificates.clientContext());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            long start = System.nanoTime();
            Throwable publish = catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("refused").key("k")
                    .publish());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertRefused(publish, problem, fix);
            assertThat(took).as("refused at once").isLessThan(Duration.ofSeconds(15));

            Throwable subscribe = catchThrowable(() -> keel.subscribe(SubscriptionConfig.builder(topic, GROUP,
                    Codec.utf8()).guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), this::handle));
            assertRefused(subscribe, problem, fix);
        }
        assertThat(handled).as("handled while the certificate was refused").hasSize(5);

        present(ServerCertificate.CURRENT); // renewed on the node, restarted
        try (IdempotencyStore store = RabbitTlsContractTest.TlsRedis.store(keyPrefix);
             RabbitAdapter adapter = tlsAdapter(certificates.clientContext());
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            keel.subscribe(subscription(), this::handle);
            await().atMost(PATIENCE).until(() -> handled.size() == 10);
        }
        assertThat(handled).doesNotContainKey("refused")
                .allSatisfy((payload, times) -> assertThat(times.get()).as(payload).isEqualTo(1));
    }

    private void assertRefused(Throwable refused, String problem, String fix) {
        assertThat(refused).isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("127.0.0.1:" + rabbit.tlsPort())
                .hasMessageContaining(problem).hasMessageContaining(fix)
                .hasMessageNotContaining(certificates.password());
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    /** Restarts the node presenting {@code which} on its TLS listener, and waits until the listener presents it. */
    private void present(ServerCertificate which) {
        changed = which != ServerCertificate.CURRENT;
        rabbit.restartPresenting(which);
        X509Certificate expected = ListenerCertificates.read(certificates.serverCertificate(which));
        await().atMost(PATIENCE).ignoreExceptions().until(() ->
                ListenerCertificates.presentedAt(rabbit.host(), rabbit.tlsPort()).equals(expected));
    }

    private RabbitAdapter tlsAdapter(SSLContext context) {
        return new RabbitAdapter(RabbitTestSupport.config().host(rabbit.host()).port(rabbit.tlsPort())
                .sslContext(context).connectionName("keel-tls-cert").build());
    }

    private SubscriptionConfig<String> subscription() {
        return SubscriptionConfig.builder(topic, GROUP, Codec.utf8()).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                .closeTimeout(Duration.ofSeconds(10)).build();
    }

    private void handle(dev.keel.Delivery<String> delivery) {
        handled.computeIfAbsent(delivery.payload(), k -> new AtomicInteger()).incrementAndGet();
    }

    private void publishPlain(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            plainPublisher.publisher(topic, Codec.utf8()).message(prefix + "-" + i).key("k" + i).publish();
        }
    }

    /** Publishes with ids of their own, so a publish tried again after a lost confirm is the same message. */
    private void publishOverTls(Keel keel, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            String payload = prefix + "-" + i;
            Message message = Message.builder(payload, Codec.utf8()).id(topic + "-" + payload).key("k" + i).build();
            await().atMost(PATIENCE).ignoreExceptions().until(() -> {
                keel.publisher().publish(topic, message);
                return true;
            });
        }
    }
}
