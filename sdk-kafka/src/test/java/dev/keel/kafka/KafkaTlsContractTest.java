package dev.keel.kafka;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.SecuredKafka;
import dev.keel.testbrokers.SecuredRedis;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testkit.contract.TlsContract;
import java.util.UUID;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterEach;

/**
 * The TLS contract on the secured Kafka's SASL_SSL listener (SCRAM-SHA-512 over TLS, client certificates required),
 * as a user with the ACLs docs/security.md lists for one topic and group, and the TLS Redis as the idempotency store.
 * Host name verification on (kafka-clients' default, {@code ssl.endpoint.identification.algorithm=https}): the
 * listener advertises 127.0.0.1, which the server certificate names.
 */
class KafkaTlsContractTest extends TlsContract {

    private final SecuredKafka kafka = SecuredKafka.local();
    private final String user = "keel-tls-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();

    @Override
    protected void grantLeastPrivileges(String topic, String group) {
        kafka.putUser(user, password);
        kafka.allow(user, ResourceType.TOPIC, topic, PatternType.PREFIXED, AclOperation.DESCRIBE,
                AclOperation.DESCRIBE_CONFIGS, AclOperation.READ, AclOperation.CREATE, AclOperation.WRITE);
        kafka.allow(user, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE);
        kafka.allow(user, ResourceType.GROUP, "keel-delay-" + topic, PatternType.LITERAL, AclOperation.READ);
    }

    @AfterEach
    void revoke() {
        kafka.revokeAll(user);
    }

    @Override
    protected BrokerAdapter adapterOverTls(Certificates certificates) {
        TestCertificates tls = TestCertificates.get();
        var properties = switch (certificates) {
            case TRUSTED -> kafka.tlsClientProperties(user, password, tls.trustStore(), tls.clientKeyStore());
            case UNTRUSTED_SERVER -> kafka.tlsClientProperties(user, password, tls.untrustedTrustStore(),
                    tls.clientKeyStore());
            case NO_CLIENT_CERTIFICATE -> kafka.tlsClientProperties(user, password, tls.trustStore(), null);
        };
        return new KafkaAdapter(KafkaTestSupport.config(kafka.saslSslBootstrapServers()).properties(properties).build());
    }

    @Override
    protected boolean checksClientCertificates() {
        return true;
    }

    @Override
    protected IdempotencyStore idempotencyStore() {
        String keyPrefix = UniqueNames.of("kafka-tls");
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
