package dev.keel.jms;

import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.testbrokers.SecuredRedis;
import dev.keel.testbrokers.UniqueNames;
import java.util.UUID;

/** A store on the harness's TLS Redis as an ACL user limited to a key prefix of its own, with the client certificate. */
final class TlsRedisStore {

    private TlsRedisStore() {
    }

    static RedisIdempotencyStore create(String name) {
        String keyPrefix = UniqueNames.of(name);
        SecuredRedis redis = SecuredRedis.local();
        String user = "keel-" + keyPrefix;
        String password = "pw-" + UUID.randomUUID();
        redis.putUser(user, password, "~" + keyPrefix + ":*", "-@all", "+get", "+set", "+del", "+eval", "+evalsha");
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port())
                .user(user).password(password)
                .sslSocketFactory(redis.certificates().clientContext().getSocketFactory()).keyPrefix(keyPrefix).build());
    }
}
