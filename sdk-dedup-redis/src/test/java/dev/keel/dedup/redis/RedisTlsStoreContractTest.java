package dev.keel.dedup.redis;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.testbrokers.SecuredRedis;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testkit.store.IdempotencyStoreContractTest;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Tag;

/**
 * The store contract over TLS: the harness's TLS-only Redis, which asks for a client certificate, as an ACL user with
 * only what docs/redis-store.md lists ({@code ~<prefix>:* -@all +get +set +del +eval +evalsha}), the run's CA in the
 * trust store and host name verification on (Jedis's default).
 */
@Tag("secured")
class RedisTlsStoreContractTest extends IdempotencyStoreContractTest {

    private static final String KEY_PREFIX = UniqueNames.of("tls");
    private static final String USER = "keel-tls-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String PASSWORD = "pw-" + UUID.randomUUID();
    private static boolean userCreated;

    @Override
    protected IdempotencyStore createStore() {
        SecuredRedis redis = SecuredRedis.local();
        synchronized (RedisTlsStoreContractTest.class) {
            if (!userCreated) {
                redis.putUser(USER, PASSWORD, "~" + KEY_PREFIX + ":*", "-@all", "+get", "+set", "+del", "+eval",
                        "+evalsha");
                userCreated = true;
            }
        }
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port())
                .user(USER).password(PASSWORD).sslSocketFactory(redis.certificates().clientContext().getSocketFactory())
                .keyPrefix(KEY_PREFIX).build());
    }

    @Override
    protected void elapse(Duration duration) {
        // Redis expires keys on real time: the suite awaits the expected state
    }

    /** A completion is a plain {@code SET ... XX ... GET} on Redis 7.0 and later: it marks over another owner. */
    @Override
    protected boolean completionMarksOverAnotherOwner() {
        return true;
    }
}
