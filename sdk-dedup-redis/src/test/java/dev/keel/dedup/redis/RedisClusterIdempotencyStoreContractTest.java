package dev.keel.dedup.redis;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.testkit.store.IdempotencyStoreContractTest;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract on a 3-master Redis Cluster on local ports, on real time. */
class RedisClusterIdempotencyStoreContractTest extends IdempotencyStoreContractTest {

    private static RedisClusterProcesses cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start();
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Override
    protected IdempotencyStore createStore() {
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().clusterNodes(cluster.hostPorts()).build());
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
