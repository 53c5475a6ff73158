package dev.keel.rabbit;

import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UniqueNames;
import java.time.Duration;

/** The harness's RabbitMQ (an isolated vhost per test run) and names unique to a test. */
final class RabbitTestSupport {

    private RabbitTestSupport() {
    }

    static RabbitEndpoint rabbit() {
        return Brokers.rabbit();
    }

    /** A config for the test broker with quick reconnection. */
    static RabbitConfig.Builder config() {
        return RabbitConfig.custom().uri(rabbit().uri()).connectionName("keel-test")
                .recoveryInterval(Duration.ofMillis(500)).rebalanceInterval(Duration.ofMillis(500));
    }

    /** A Redis idempotency store on the harness's Redis, under a key prefix of its own. */
    static RedisIdempotencyStore redisStore(String keyPrefix) {
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().uri(Brokers.redis().uri()).keyPrefix(keyPrefix)
                .build());
    }

    static String unique(String prefix) {
        return UniqueNames.of(prefix);
    }
}
