package dev.keel.rocket;

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
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;

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
}
