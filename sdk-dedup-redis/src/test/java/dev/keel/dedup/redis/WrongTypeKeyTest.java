package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * A key under the store's prefix that holds another type of value (another application writing under the same
 * prefix) makes Redis refuse every command on it (WRONGTYPE) for as long as that key lives: a typed,
 * non-retriable refusal that names the prefix, not an outage.
 */
class WrongTypeKeyTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(60);

    private static RedisServerProcess redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServerProcess.start();
        try (RedisClient raw = RedisClient.create(redis.host(), redis.port())) {
            raw.hset("shared:" + NS + ":order-1", "owner", "another application");
        }
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Test
    void aKeyOfAnotherTypeUnderThePrefixShouldBeARefusalNamingThePrefix() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host())
                .port(redis.port()).keyPrefix("shared").build())) {
            assertThatThrownBy(() -> store.claim(NS, "order-1", NewOwners.token(), LEASE))
                    .satisfies(RedisAccessControlTest::isRefusal)
                    .hasMessageContaining("WRONGTYPE").hasMessageContaining("'shared:*'");
            assertThatThrownBy(() -> store.complete(NS, "order-1", NewOwners.token(), LEASE))
                    .satisfies(RedisAccessControlTest::isRefusal).hasMessageContaining("'shared:*'");
        }
    }
}
