package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.PublisherConfig;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.testbrokers.SecuredKafka;
import dev.keel.testbrokers.SecuredRedis;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testkit.contract.FaultedStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The secured Kafka killed (kill -9) and restarted while a Keel publishes and consumes on its SASL_SSL listener
 * (SCRAM-SHA-512 over TLS, client certificates required, host name verification kafka-clients' default), as a user
 * with the ACLs docs/security.md lists, under {@code EFFECTIVELY_ONCE} with the TLS Redis as the idempotency store:
 * nothing confirmed is lost, nothing is handled twice, and both clients go on over TLS after the restart. The same
 * through the harness's fault proxy in front of a second SASL_SSL listener, advertised at the proxy's port: every
 * connection cut.
 */
@Tag("secured")
class KafkaRestartOverTlsTest {

    private static final int MESSAGES = 640;

    private final SecuredKafka kafka = SecuredKafka.local();
    private final String user = "keel-tls-restart-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        kafka.revokeAll(user);
    }

    @Test
    void aSecuredBrokerRestartedMidStreamShouldLoseNothingConfirmedNorHandleAnythingTwiceOverTls() throws Exception {
        streamThrough(kafka.saslSslBootstrapServers(), faultBegun -> {
            kafka.kill();
            faultBegun.run();
            kafka.restart();
        });
    }

    /**
     * The same through the fault proxy in front of the broker's second SASL_SSL listener, which it advertises: every
     * client connection (TLS and SASL sessions with them) reset mid-stream.
     */
    @Test
    void aNetworkCutThroughAProxyMidStreamShouldLoseNothingConfirmedNorHandleAnythingTwiceOverTls()
            throws Exception {
        try {
            streamThrough(kafka.proxiedSaslSslBootstrapServers(), faultBegun -> {
                assertThat(kafka.proxy().openConnections()).as("client connections through the proxy")
                        .isGreaterThanOrEqualTo(2);
                kafka.proxy().cut();
                faultBegun.run();
            });
            assertThat(kafka.proxy().openConnections()).as("connections opened again through the proxy").isPositive();
        } finally {
            kafka.proxy().heal();
        }
    }

    private void streamThrough(String bootstrap, Consumer<Runnable> fault) throws Exception {
        String topic = KafkaTestSupport.unique("tls-restart");
        String group = KafkaTestSupport.unique("group");
        kafka.putUser(user, password);
        kafka.allow(user, ResourceType.TOPIC, topic, PatternType.PREFIXED, AclOperation.DESCRIBE,
                AclOperation.DESCRIBE_CONFIGS, AclOperation.READ, AclOperation.CREATE, AclOperation.WRITE);
        kafka.allow(user, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE);
        kafka.allow(user, ResourceType.GROUP, "keel-delay-" + topic, PatternType.LITERAL, AclOperation.READ);

        TestCertificates tls = TestCertificates.get();
        KafkaConfig config = KafkaTestSupport.config(bootstrap)
                .properties(kafka.tlsClientProperties(user, password, tls.trustStore(), tls.clientKeyStore()))
                .deliveryTimeout(Duration.ofSeconds(60)).build();
        KafkaAdapter publishingAdapter = keep(new KafkaAdapter(config));
        KafkaAdapter consumingAdapter = keep(new KafkaAdapter(config));
        IdempotencyStore store = keep(tlsStore());
        Keel publishing = keep(Keel.builder(publishingAdapter).withoutIdempotencyStore()
                .publisherConfig(PublisherConfig.custom().timeout(Duration.ofSeconds(90)).build()).build());
        publishing.ensureTopology(TopicSpec.builder(topic).partitions(3).build());
        Keel consuming = keep(Keel.builder(consumingAdapter).idempotencyStore(store).build());
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        Subscription subscription = consuming.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                        .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).build(),
                d -> handled.computeIfAbsent(d.id(), k -> new AtomicInteger()).incrementAndGet());

        FaultedStream stream = FaultedStream.start(publishing, topic, MESSAGES);
        stream.awaitFirstQuarter(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(60)).until(() -> handled.size() >= MESSAGES / 8);
        fault.accept(stream::resume);
        stream.finish(Duration.ofSeconds(180));
        Set<String> confirmed = stream.confirmed();

        assertThat(confirmed.size()).as("publishing went on after the restart").isGreaterThan(MESSAGES / 2);
        assertThat(stream.failed().values()).allSatisfy(e -> assertThat(e).isInstanceOf(KeelException.class));
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(handled.keySet()).containsAll(confirmed));
        assertThat(subscription.state()).isEqualTo(Subscription.State.RUNNING);
        assertThat(handled).allSatisfy((id, times) -> assertThat(times.get()).as("times %s was handled", id)
                .isEqualTo(1));
    }

    private <T extends AutoCloseable> T keep(T resource) {
        open.add(resource);
        return resource;
    }

    /** A store on the harness's TLS Redis as an ACL user limited to its key prefix, with the client certificate. */
    private static IdempotencyStore tlsStore() {
        String keyPrefix = UniqueNames.of("kafka-tls-restart");
        SecuredRedis redis = SecuredRedis.local();
        String storeUser = "keel-" + keyPrefix;
        String storePassword = "pw-" + UUID.randomUUID();
        redis.putUser(storeUser, storePassword, "~" + keyPrefix + ":*", "-@all", "+get", "+set", "+del", "+eval",
                "+evalsha");
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port())
                .user(storeUser).password(storePassword)
                .sslSocketFactory(redis.certificates().clientContext().getSocketFactory()).keyPrefix(keyPrefix).build());
    }
}
