package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisRefusedException;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.CertificateRedis;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.TestCertificates.ServerCertificate;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Certificates that are refused, on a real TLS server: a private TLS-only Redis (the idempotency store) that presents
 * an expired certificate, a certificate for another host, or is given a client certificate it does not trust, and one
 * whose certificate is rotated to a new CA with a restart. Messages come from the harness's RabbitMQ. Each refusal is a
 * {@link RedisRefusedException}, not retriable, saying what to fix; a consumer under {@code EFFECTIVELY_ONCE} that
 * meets it pauses (fail closed): it handles and acknowledges nothing, and every message is handled, once, by the next
 * start with the certificate problem fixed.
 */
@Tag("secured")
@UsesBrokers(BrokerKind.RABBIT)
class CertificateFailuresTest {

    private static final String GROUP = "billing";
    private static final int MESSAGES = 10;
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final TestCertificates certificates = TestCertificates.get();
    private final Map<String, Integer> handled = new ConcurrentHashMap<>();
    private RabbitAdapter adapter;
    private Keel publisher;
    private String topic;
    private CertificateRedis redis;

    @BeforeEach
    void declareTopic() {
        topic = RabbitTestSupport.unique("certs");
        adapter = new RabbitAdapter(RabbitTestSupport.config().build());
        publisher = Keel.builder(adapter).withoutIdempotencyStore().build();
        publisher.ensureTopology(TopicSpec.builder(topic).partitions(2).group(GROUP).build());
    }

    @AfterEach
    void closeAll() {
        if (redis != null) {
            redis.close();
        }
        publisher.close();
        adapter.deleteTopology(topic);
        adapter.close();
    }

    @Test
    void anExpiredServerCertificateShouldBeRefusedAndTheMessagesKeptUntilItIsRenewed() {
        redis = CertificateRedis.start(ServerCertificate.EXPIRED);

        assertRefused(certificates.clientContext(), "the server's certificate has expired",
                "renew the server's certificate");
        consumeNothingWith(certificates.clientContext());

        redis.restartPresenting(ServerCertificate.CURRENT); // renewed on the server, restarted
        consumeEverythingWith(certificates.clientContext());
    }

    @Test
    void aServerCertificateForAnotherHostShouldBeRefusedWithHostNameVerificationOnByDefault() {
        redis = CertificateRedis.start(ServerCertificate.OTHER_HOST);

        assertRefused(certificates.clientContext(), "does not name the host the client connected to",
                "connect by a name or address the certificate lists");
        consumeNothingWith(certificates.clientContext());

        redis.restartPresenting(ServerCertificate.CURRENT);
        consumeEverythingWith(certificates.clientContext());
    }

    @Test
    void aClientCertificateTheServerDoesNotTrustShouldBeRefusedAndTheMessagesKeptForTheRightOne() {
        redis = CertificateRedis.start(ServerCertificate.CURRENT);
        SSLContext stranger = certificates.context(certificates.trustStore(), certificates.strangerClientKeyStore());

        assertRefused(stranger, "the server refused the client's certificate", "signed by a CA the server trusts");
        consumeNothingWith(stranger);

        consumeEverythingWith(certificates.clientContext());
    }

    /**
     * The server's certificate is replaced by one of a new CA and the server restarted: the running consumer, which
     * trusts only the old CA, is refused and pauses; restarted with a trust store holding the new CA, it handles
     * everything that was left, once.
     */
    @Test
    void aServerCertificateRotatedWithARestartShouldBeRefusedUntilTheClientRestartsTrustingTheNewCa() {
        redis = CertificateRedis.start(ServerCertificate.CURRENT);
        try (IdempotencyStore store = store(certificates.clientContext());
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            Subscription subscription = keel.subscribe(subscription(), d -> handled.merge(d.payload(), 1, Integer::sum));
            publish("before", 5);
            await().atMost(60, TimeUnit.SECONDS).until(() -> handled.size() == 5);

            redis.restartPresenting(ServerCertificate.ROTATED);
            publish("after", MESSAGES);

            await().atMost(60, TimeUnit.SECONDS).until(() -> subscription.state() == Subscription.State.PAUSED);
            assertThat(handled).as("handled with the old trust store after the rotation").hasSize(5);
            subscription.close(Duration.ofSeconds(10));
        }
        assertThat(catchThrowable(() -> claimWith(certificates.clientContext())))
                .isInstanceOf(RedisRefusedException.class).hasMessageContaining("does not trust the server's certificate");

        SSLContext newTrust = certificates.context(certificates.rotatedTrustStore(), certificates.clientKeyStore());
        try (IdempotencyStore store = store(newTrust);
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            keel.subscribe(subscription(), d -> handled.merge(d.payload(), 1, Integer::sum));
            await().atMost(60, TimeUnit.SECONDS).until(() -> handled.size() == 5 + MESSAGES);
        }
        assertThat(handled.values()).as("each handled once").containsOnly(1);
    }

    /** A claim with {@code context}: refused, not retriable, the message naming the server and what to fix. */
    private void assertRefused(SSLContext context, String problem, String fix) {
        Throwable refused = catchThrowable(() -> claimWith(context));

        assertThat(refused).isInstanceOf(RedisRefusedException.class)
                .hasMessageContaining("Redis at 127.0.0.1:" + redis.port())
                .hasMessageContaining(problem).hasMessageContaining(fix)
                .hasMessageNotContaining(redis.adminPassword()).hasMessageNotContaining(certificates.password());
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    /**
     * A consumer whose store is refused: publishes {@link #MESSAGES}, subscribes, and sees the subscription pause with
     * no handler run (nothing claimed, so nothing acknowledged); closes it.
     */
    private void consumeNothingWith(SSLContext context) {
        publish("m", MESSAGES);
        try (IdempotencyStore store = store(context);
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            Subscription subscription = keel.subscribe(subscription(), d -> handled.merge(d.payload(), 1, Integer::sum));
            await().atMost(60, TimeUnit.SECONDS).until(() -> subscription.state() == Subscription.State.PAUSED);
            subscription.close(Duration.ofSeconds(10));
        }
        assertThat(handled).as("handled while the store was refused").isEmpty();
    }

    /** The next start, with the certificates right: every message published, handled once. */
    private void consumeEverythingWith(SSLContext context) {
        try (IdempotencyStore store = store(context);
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            keel.subscribe(subscription(), d -> handled.merge(d.payload(), 1, Integer::sum));
            await().atMost(60, TimeUnit.SECONDS).until(() -> handled.size() == MESSAGES);
        }
        assertThat(handled.values()).as("each handled once").containsOnly(1);
    }

    private void claimWith(SSLContext context) {
        try (IdempotencyStore store = store(context)) {
            store.claim("billing:orders", UUID.randomUUID().toString(), UUID.randomUUID().toString(), LEASE);
        }
    }

    private IdempotencyStore store(SSLContext context) {
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port())
                .password(redis.adminPassword()).sslSocketFactory(context.getSocketFactory()).keyPrefix("certs")
                .build());
    }

    private SubscriptionConfig<String> subscription() {
        return SubscriptionConfig.builder(topic, GROUP, Codec.utf8()).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                .closeTimeout(Duration.ofSeconds(10)).build();
    }

    private void publish(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            publisher.publisher(topic, Codec.utf8()).message(prefix + "-" + i).key("k" + i).publish();
        }
    }
}
