package dev.keel.dedup.redis;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.testkit.store.DeadStateContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The dead-lettered state on a 3-master Redis Cluster on local ports, on real time: the same
 * cluster and store set-up as {@link RedisClusterIdempotencyStoreContractTest}.
 */
class RedisClusterDeadStateTest extends DeadStateContractTest {

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
}
