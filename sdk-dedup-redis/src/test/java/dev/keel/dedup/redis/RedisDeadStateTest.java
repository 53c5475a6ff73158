package dev.keel.dedup.redis;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testkit.store.DeadStateContractTest;

/** The dead-lettered state on the harness's standalone Redis, under a key prefix of its own. */
class RedisDeadStateTest extends DeadStateContractTest {

    private static final String KEY_PREFIX = UniqueNames.of("dead");

    @Override
    protected IdempotencyStore createStore() {
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().uri(Brokers.redis().uri()).keyPrefix(KEY_PREFIX)
                .build());
    }
}
