package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.AccessRefusedException;
import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublisherConfig;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.testbrokers.ListenerCertificates;
import dev.keel.testbrokers.SecuredKafka;
import dev.keel.testbrokers.SecuredRedis;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.TestCertificates.ServerCertificate;
import dev.keel.testbrokers.UniqueNames;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certificate of the secured Kafka's own SASL_SSL listener: the harness's broker restarted (kill -9, the same
 * ports and data: {@code SecuredKafka.restartPresenting}) presenting an expired certificate of the trusted CA, a
 * certificate of the trusted CA for another host, a certificate renewed within the CA, or a certificate of a new CA.
 * The first two are refused at once with a non-retriable {@link AccessRefusedException} naming the problem: a running
 * subscription that meets it on its reconnect ({@code FAILED}), and a new adapter's publish (not stored) and
 * subscribe; the messages stay on the broker, and a consumer started once the broker presents a valid certificate
 * handles each once. A renewed certificate, and one of a new CA that the running adapter trusts beside the old one,
 * are accepted on its reconnect: the running publisher and subscription go on, nothing lost, nothing handled twice
 * under {@code EFFECTIVELY_ONCE} (the TLS Redis as the store). A new CA the running adapter does not trust is refused
 * to both. The clients log in as a user with the ACLs docs/security.md lists, host name verification kafka-clients'
 * default; the test's own setup and inputs go through the broker's plaintext super-user listener. Each test gives the
 * broker its own certificate back.
 */
@Tag("secured")
class KafkaServerCertificateTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    /** Refused "at once": well under a broker restart, and under the publisher's own 30 s timeout. */
    private static final Duration AT_ONCE = Duration.ofSeconds(15);

    private final SecuredKafka kafka = SecuredKafka.local();
    private final TestCertificates certificates = TestCertificates.get();
    private final String user = "keel-tls-cert-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();
    private final String topic = KafkaTestSupport.unique("tls-cert");
    private final String group = KafkaTestSupport.unique("billing");
    private final String keyPrefix = UniqueNames.of("kafka-tls-cert");
    private final String storePassword = "pw-" + UUID.randomUUID();
    private final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    private KafkaAdapter setupAdapter;
    private Keel setup;
    private boolean changed;

    @TempDir
    Path dir;

    @BeforeEach
    void declareTopicAndGrant() {
        kafka.putUser(user, password);
        kafka.allow(user, ResourceType.TOPIC, topic, PatternType.PREFIXED, AclOperation.DESCRIBE,
                AclOperation.DESCRIBE_CONFIGS, AclOperation.READ, AclOperation.CREATE, AclOperation.WRITE);
        kafka.allow(user, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE);
        kafka.allow(user, ResourceType.GROUP, "keel-delay-" + topic, PatternType.LITERAL, AclOperation.READ);
        SecuredRedis.local().putUser("keel-" + keyPrefix, storePassword, "~" + keyPrefix + ":*", "-@all", "+get",
                "+set", "+del", "+eval", "+evalsha");
        setupAdapter = new KafkaAdapter(KafkaTestSupport.config(kafka.superUserBootstrapServers()).build());
        setup = Keel.builder(setupAdapter).withoutIdempotencyStore().build();
        setup.ensureTopology(TopicSpec.builder(topic).partitions(2).group(group).build());
    }

    @AfterEach
    void restoreTheBrokersCertificate() {
        try {
            if (changed) {
                present(ServerCertificate.CURRENT);
            }
        } finally {
            if (setup != null) {
                setup.close();
                setupAdapter.deleteTopology(topic);
                setupAdapter.close();
            }
            kafka.revokeAll(user);
            SecuredRedis.local().removeUser("keel-" + keyPrefix);
        }
    }

    @Test
    void anExpiredServerCertificateShouldBeRefusedAtOnceNamingItAndTheMessagesKept() {
        refusedThenRestored(ServerCertificate.EXPIRED, "the server's certificate has expired",
                "renew the server's certificate");
    }

    @Test
    void aServerCertificateForAnotherHostShouldBeRefusedAtOnceNamingItAndTheMessagesKept() {
        refusedThenRestored(ServerCertificate.OTHER_HOST, "does not name the host the client connected to",
                "connect by a name or address the certificate lists");
    }

    /**
     * The broker's certificate replaced by another of the same CA (a renewal, a new key), the broker restarted: a
     * running publisher and subscription, which trust only that CA, reconnect and go on; each message handled once.
     */
    @Test
    void aCertificateRenewedWithinTheSameCaShouldBeAcceptedByARunningPublisherAndSubscriptionAfterTheRestart() {
        goOnAcross(ServerCertificate.RENEWED, certificates.trustStore());
    }

    /**
     * The broker's certificate replaced by one of a new CA, the broker restarted: a running publisher and subscription
     * whose trust store holds both CAs (the client side of a rotation, done first) reconnect and go on; each message
     * handled once.
     */
    @Test
    void aCertificateRotatedToANewCaShouldBeAcceptedByARunningAdapterThatTrustsBothCas() {
        goOnAcross(ServerCertificate.ROTATED, ListenerCertificates.trustingBothCas(dir));
    }

    /**
     * The broker's certificate replaced by one of a new CA that the running adapter does not trust: its subscription
     * fails and its publish is refused at once, both naming the untrusted certificate; nothing is lost, and an adapter
     * that trusts the new CA too handles what was left, each once.
     */
    @Test
    void aCertificateRotatedToANewCaShouldBeRefusedAtOnceToARunningAdapterThatTrustsOnlyTheOldCa() {
        String problem = "does not trust the server's certificate";
        String fix = "add the CA that signed it to the client's trust store";
        try (IdempotencyStore store = store();
             KafkaAdapter adapter = tlsAdapter(certificates.trustStore());
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            Subscription running = keel.subscribe(subscription(), this::handle);
            publishOverTls(keel, "before", 5);
            await().atMost(PATIENCE).until(() -> handled.size() == 5);

            present(ServerCertificate.ROTATED);

            await().atMost(PATIENCE).until(() -> running.state() == Subscription.State.FAILED);
            assertRefused(running.failure().orElseThrow(), problem, fix);
            assertPublishRefusedAtOnce(keel, problem, fix);
        }
        publishPlain("while-refused", 5);

        try (IdempotencyStore store = store();
             KafkaAdapter adapter = tlsAdapter(ListenerCertificates.trustingBothCas(dir));
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            keel.subscribe(subscription(), this::handle);
            await().atMost(PATIENCE).until(() -> handled.size() == 10);
        }
        assertThat(handled).doesNotContainKey("refused")
                .allSatisfy((payload, times) -> assertThat(times.get()).as(payload).isEqualTo(1));
    }

    /**
     * A running subscription over TLS; the broker restarted presenting {@code bad}: the subscription fails with the
     * refusal, a new adapter's publish and subscribe are refused at once; the broker given a valid certificate again,
     * a new consumer handles everything published before and meanwhile, each once.
     */
    private void refusedThenRestored(ServerCertificate bad, String problem, String fix) {
        try (IdempotencyStore store = store();
             KafkaAdapter adapter = tlsAdapter(certificates.trustStore());
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            Subscription running = keel.subscribe(subscription(), this::handle);
            publishPlain("before", 5);
            await().atMost(PATIENCE).until(() -> handled.size() == 5);

            present(bad);

            await().atMost(PATIENCE).until(() -> running.state() == Subscription.State.FAILED);
            assertRefused(running.failure().orElseThrow(), problem, fix);
        }
        publishPlain("while-refused", 5);

        try (KafkaAdapter adapter = tlsAdapter(certificates.trustStore());
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            assertPublishRefusedAtOnce(keel, problem, fix);
            Throwable subscribe = catchThrowable(() -> {
                Subscription refused = keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                        .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), this::handle);
                // Kafka may refuse only the first fetch: the subscription then fails with the refusal
                await().atMost(PATIENCE).until(() -> refused.state() == Subscription.State.FAILED);
                throw refused.failure().orElseThrow();
            });
            assertRefused(subscribe, problem, fix);
        }
        assertThat(handled).as("handled while the certificate was refused").hasSize(5);

        present(ServerCertificate.CURRENT); // a valid certificate on the broker, restarted
        try (IdempotencyStore store = store();
             KafkaAdapter adapter = tlsAdapter(certificates.trustStore());
             Keel keel = Keel.builder(adapter).idempotencyStore(store).build()) {
            keel.subscribe(subscription(), this::handle);
            await().atMost(PATIENCE).until(() -> handled.size() == 10);
        }
        assertThat(handled).doesNotContainKey("refused")
                .allSatisfy((payload, times) -> assertThat(times.get()).as(payload).isEqualTo(1));
    }

    /**
     * A running publisher and subscription trusting the CAs of {@code trustStore}; the broker restarted presenting
     * {@code next}: both go on over TLS, each of the 15 messages handled once.
     */
    private void goOnAcross(ServerCertificate next, Path trustStore) {
        try (IdempotencyStore store = store();
             KafkaAdapter adapter = tlsAdapter(trustStore);
             Keel keel = Keel.builder(adapter).idempotencyStore(store)
                     .publisherConfig(PublisherConfig.custom().timeout(PATIENCE).build()).build()) {
            Subscription subscription = keel.subscribe(subscription(), this::handle);
            publishOverTls(keel, "before", 5);
            await().atMost(PATIENCE).until(() -> handled.size() == 5);

            present(next);
            publishOverTls(keel, "after", 10);

            await().atMost(PATIENCE).until(() -> handled.size() == 15);
            assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
        }
        assertThat(handled).allSatisfy((payload, times) -> assertThat(times.get()).as(payload).isEqualTo(1));
    }

    private void assertPublishRefusedAtOnce(Keel keel, String problem, String fix) {
        long start = System.nanoTime();
        Throwable publish = catchThrowable(() -> keel.publisher(topic, Codec.utf8()).message("refused").key("k")
                .publish());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertRefused(publish, problem, fix);
        assertThat(took).as("refused at once").isLessThan(AT_ONCE);
    }

    private void assertRefused(Throwable refused, String problem, String fix) {
        assertThat(refused).isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("TLS handshake failed")
                .hasMessageContaining(problem).hasMessageContaining(fix)
                .hasMessageNotContaining(password).hasMessageNotContaining(certificates.password());
        assertThat(((KeelException) refused).isRetriable()).as("retriable").isFalse();
    }

    /** Restarts the broker presenting {@code which} on its SASL_SSL listeners, and waits until the listener presents it. */
    private void present(ServerCertificate which) {
        changed = which != ServerCertificate.CURRENT;
        kafka.restartPresenting(which);
        X509Certificate expected = ListenerCertificates.read(certificates.serverCertificate(which));
        await().atMost(PATIENCE).ignoreExceptions().until(() ->
                ListenerCertificates.presentedAt(kafka.saslSslBootstrapServers()).equals(expected));
    }

    private KafkaAdapter tlsAdapter(Path trustStore) {
        return new KafkaAdapter(KafkaTestSupport.config(kafka.saslSslBootstrapServers())
                .properties(kafka.tlsClientProperties(user, password, trustStore, certificates.clientKeyStore()))
                .build());
    }

    /** A store on the TLS Redis as an ACL user limited to this test's key prefix: every consumer of a test shares it. */
    private IdempotencyStore store() {
        SecuredRedis redis = SecuredRedis.local();
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port())
                .user("keel-" + keyPrefix).password(storePassword)
                .sslSocketFactory(redis.certificates().clientContext().getSocketFactory()).keyPrefix(keyPrefix).build());
    }

    private SubscriptionConfig<String> subscription() {
        return SubscriptionConfig.builder(topic, group, Codec.utf8()).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                .closeTimeout(Duration.ofSeconds(10)).build();
    }

    private void handle(Delivery<String> delivery) {
        handled.computeIfAbsent(delivery.payload(), k -> new AtomicInteger()).incrementAndGet();
    }

    /** Publishes through the broker's plaintext super-user listener, which the certificate does not concern. */
    private void publishPlain(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            setup.publisher(topic, Codec.utf8()).message(prefix + "-" + i).key("k" + i).publish();
        }
    }

    /**
     * Publishes over TLS with ids of their own, so a publish tried again after a lost acknowledgement is the same
     * message; only a retriable failure is tried again, any other fails the test.
     */
    private void publishOverTls(Keel keel, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            String payload = prefix + "-" + i;
            Message message = Message.builder(payload, Codec.utf8()).id(topic + "-" + payload).key("k" + i).build();
            await().atMost(PATIENCE).until(() -> {
                try {
                    keel.publisher().publish(topic, message);
                    return true;
                } catch (KeelException e) {
                    if (!e.isRetriable()) {
                        throw e;
                    }
                    return false;
                }
            });
        }
    }
}
