package dev.keel.dedup.redis;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.testkit.store.IdempotencyStoreContractTest;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract on a standalone Redis (a private redis-server), on real time. */
class RedisIdempotencyStoreContractTest extends IdempotencyStoreContractTest {

    private static RedisServerProcess redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServerProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected IdempotencyStore createStore() {
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port()).build());
    }

    @Override
    protected void elapse(Duration duration) {
        // Redis expires keys on real time: the suite awaits the expected state
    }
}
