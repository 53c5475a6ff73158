package dev.keel.dedup.redis;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testkit.store.IdempotencyStoreContractTest;
import java.time.Duration;

/**
 * The store contract with claims and completions by script only, as on a server older than Redis 7.0 (which
 * rejects SET ... NX ... GET): the harness's standalone Redis, a key prefix of its own, real time. A completion
 * there changes only a key that holds the caller's lease (the suite's default).
 */
class RedisScriptClaimContractTest extends IdempotencyStoreContractTest {

    private static final String KEY_PREFIX = UniqueNames.of("script-claim-contract");

    @Override
    protected IdempotencyStore createStore() {
        return RedisIdempotencyStore.createClaimingByScript(RedisStoreConfig.custom().uri(Brokers.redis().uri())
                .keyPrefix(KEY_PREFIX).build());
    }

    @Override
    protected void elapse(Duration duration) {
        // Redis expires keys on real time: the suite awaits the expected state
    }
}
