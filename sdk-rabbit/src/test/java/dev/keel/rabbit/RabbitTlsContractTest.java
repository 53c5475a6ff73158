package dev.keel.rabbit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.SecuredRedis;
import dev.keel.testbrokers.TestCertificates;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.TlsContract;
import java.time.Duration;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;

/**
 * The TLS contract on the harness's private RabbitMQ node's TLS listener (verify_peer, fail_if_no_peer_cert), as a
 * user with the permissions docs/security.md lists for one topic, and the TLS Redis as the idempotency store. Host
 * name verification on: the client connects to 127.0.0.1, which the server certificate names.
 */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitTlsContractTest extends TlsContract {

    private final RabbitEndpoint rabbit = RabbitTestSupport.rabbit();
    private final String user = "keel-tls-" + UUID.randomUUID().toString().substring(0, 8);
    private final String password = "pw-" + UUID.randomUUID();
    private boolean created;

    @Override
    protected void grantLeastPrivileges(String topic, String group) {
        assumeTrue(rabbit.supportsNodeCommands(), "needs the harness's private RabbitMQ node");
        rabbit.tlsPort();
        rabbit.rabbitmqctl("add_user", user, password);
        created = true;
        grantTopic(rabbit, user, topic);
    }

    /**
     * Lets {@code user} configure and read {@code topic}'s exchange and queues ({@code topic} and {@code topic.*}) and
     * write to them and to the default exchange: the permissions docs/security.md lists for one topic.
     */
    static void grantTopic(RabbitEndpoint rabbit, String user, String topic) {
        String mine = "^" + topic.replace("-", "\\-") + "(\\..*)?$";
        rabbit.rabbitmqctl("set_permissions", "-p", rabbit.virtualHost(), user, mine,
                "^(" + topic.replace("-", "\\-") + "(\\..*)?|amq\\.default)$", mine);
    }

    @AfterEach
    void removeUser() {
        if (created) {
            rabbit.rabbitmqctl("delete_user", user);
        }
    }

    @Override
    protected BrokerAdapter adapterOverTls(Certificates certificates) {
        TestCertificates tls = TestCertificates.get();
        SSLContext context = switch (certificates) {
            case TRUSTED -> tls.clientContext();
            case UNTRUSTED_SERVER -> tls.untrustingContext();
            case NO_CLIENT_CERTIFICATE -> tls.contextWithoutClientCertificate();
        };
        return new RabbitAdapter(RabbitConfig.custom().host(rabbit.host()).port(rabbit.tlsPort())
                .virtualHost(rabbit.virtualHost()).username(user).password(password).sslContext(context)
                .connectionName(user).recoveryInterval(Duration.ofMillis(500)).build());
    }

    @Override
    protected boolean checksClientCertificates() {
        return true;
    }

    @Override
    protected IdempotencyStore idempotencyStore() {
        return TlsRedis.store(UniqueNames.of("rabbit-tls"));
    }

    /** A store on the harness's TLS Redis as an ACL user limited to its key prefix, with the client certificate. */
    static final class TlsRedis {
        private TlsRedis() {
        }

        static RedisIdempotencyStore store(String keyPrefix) {
            SecuredRedis redis = SecuredRedis.local();
            String storeUser = "keel-" + keyPrefix;
            String storePassword = "pw-" + UUID.randomUUID();
            redis.putUser(storeUser, storePassword, "~" + keyPrefix + ":*", "-@all", "+get", "+set", "+del", "+eval",
                    "+evalsha");
            return RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port())
                    .user(storeUser).password(storePassword)
                    .sslSocketFactory(redis.certificates().clientContext().getSocketFactory()).keyPrefix(keyPrefix)
                    .build());
        }
    }
}
