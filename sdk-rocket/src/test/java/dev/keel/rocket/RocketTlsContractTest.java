package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.SecuredRedis;
import dev.keel.testbrokers.SecuredRocket;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testkit.contract.TlsContract;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The TLS contract on the harness's RocketMQ that speaks TLS only ({@link SecuredRocket#localOverTls()}: name server
 * and broker with {@code tls.server.mode=enforcing}, a client certificate required, ACL 2.0 on), as a user with the
 * ACLs docs/security.md lists for one topic and group, and the TLS Redis as the idempotency store. rocketmq-client
 * checks the server's certificate chain, not its host name.
 */
class RocketTlsContractTest extends TlsContract {

    private final SecuredRocket rocket = SecuredRocket.localOverTls();
    private final String user = "keel-tls-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();
    private boolean created;

    @Override
    protected void grantLeastPrivileges(String topic, String group) {
        rocket.putUser(user, password);
        created = true;
        // the least docs/security.md lists for one topic and group (RocketAccessRefusedTest's grant)
        rocket.allow(user, "Topic:" + topic + "*", SecuredRocket.PUB, SecuredRocket.SUB, SecuredRocket.CREATE,
                SecuredRocket.UPDATE, SecuredRocket.GET);
        rocket.allow(user, "Group:" + group + "_" + topic + "*", SecuredRocket.SUB, SecuredRocket.CREATE,
                SecuredRocket.UPDATE, SecuredRocket.GET);
    }

    @AfterEach
    void removeUser() {
        if (created) {
            rocket.removeUser(user);
        }
    }

    @Override
    protected BrokerAdapter adapterOverTls(Certificates certificates) {
        TestCertificates tls = TestCertificates.get();
        RocketConfig.Builder config = RocketAccessRefusedTest.config(rocket).credentials(user, password);
        switch (certificates) {
            case TRUSTED -> config.tls(tls.caCertificate()).clientCertificate(tls.clientCertificate(), tls.clientKey(),
                    null);
            case UNTRUSTED_SERVER -> config.tls(tls.untrustedCaCertificate())
                    .clientCertificate(tls.clientCertificate(), tls.clientKey(), null);
            case NO_CLIENT_CERTIFICATE -> config.tls(tls.caCertificate());
            default -> throw new IllegalArgumentException(certificates.name());
        }
        return new RocketAdapter(config.build());
    }

    @Override
    protected boolean checksClientCertificates() {
        return true;
    }

    @Override
    protected Duration patience() {
        return Duration.ofSeconds(90);
    }

    @Override
    protected IdempotencyStore idempotencyStore() {
        String keyPrefix = UniqueNames.of("rocket-tls");
        SecuredRedis redis = SecuredRedis.local();
        String storeUser = "keel-" + keyPrefix;
        String storePassword = "pw-" + UUID.randomUUID();
        redis.putUser(storeUser, storePassword, "~" + keyPrefix + ":*", "-@all", "+get", "+set", "+del", "+eval",
                "+evalsha");
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port())
                .user(storeUser).password(storePassword)
                .sslSocketFactory(redis.certificates().clientContext().getSocketFactory()).keyPrefix(keyPrefix).build());
    }

    /**
     * A transactional publish over TLS, as the contract's user with the ACLs of docs/security.md: two messages
     * committed by the local transaction and one left {@code UNKNOWN} that the checker commits at the broker's
     * check-back, each consumed once.
     */
    @Test
    void aTransactionalPublishAndItsCheckBackShouldWorkOverTls() {
        String topic = "keel-tls-tx-" + UUID.randomUUID().toString().substring(0, 8);
        grantLeastPrivileges(topic, "g");
        Map<String, Integer> got = new ConcurrentHashMap<>();
        Set<String> committed = ConcurrentHashMap.newKeySet();
        try (BrokerAdapter adapter = adapterOverTls(Certificates.TRUSTED);
             Keel keel = Keel.builder(adapter).withoutIdempotencyStore().build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
            keel.subscribe(SubscriptionConfig.builder(topic, "g", Codec.utf8())
                    .guarantee(DeliveryGuarantee.AT_LEAST_ONCE).build(), d -> got.merge(d.payload(), 1, Integer::sum));
            try (TransactionalPublisher publisher = ((RocketAdapter) adapter).transactionalPublisher(
                    "keel-tx-tls-" + user, Set.of(topic),
                    half -> committed.contains(half.id()) ? TransactionOutcome.COMMIT : TransactionOutcome.UNKNOWN)) {
                for (String payload : List.of("tx-0", "tx-1", "tx-checked")) {
                    Message message = Message.builder(payload, Codec.utf8()).id(payload + "-" + UUID.randomUUID())
                            .key(payload).build();
                    TransactionReceipt receipt = publisher.publish(topic, message, half -> {
                        committed.add(half.id());
                        return payload.equals("tx-checked") ? TransactionOutcome.UNKNOWN : TransactionOutcome.COMMIT;
                    });
                    assertThat(receipt.outcome()).as(payload).isEqualTo(payload.equals("tx-checked")
                            ? TransactionOutcome.UNKNOWN : TransactionOutcome.COMMIT);
                }
                await().atMost(patience()).untilAsserted(() -> assertThat(got).containsKeys("tx-0", "tx-1",
                        "tx-checked"));
            }
        }
        assertThat(got).allSatisfy((payload, times) -> assertThat(times).as(payload).isEqualTo(1));
    }
}
