package dev.keel.dedup.redis;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testkit.store.IdempotencyStoreContractTest;
import java.time.Duration;
import org.junit.jupiter.api.Tag;

/** The store contract on the harness's standalone Redis, under a key prefix of its own, on real time. */
@Tag("containers") // also in the containers suite (-Pcontainers): the same tests on containers
class RedisIdempotencyStoreContractTest extends IdempotencyStoreContractTest {

    private static final String KEY_PREFIX = UniqueNames.of("contract");

    @Override
    protected IdempotencyStore createStore() {
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().uri(Brokers.redis().uri()).keyPrefix(KEY_PREFIX)
                .build());
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
