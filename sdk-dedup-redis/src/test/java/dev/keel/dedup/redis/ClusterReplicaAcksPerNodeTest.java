package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.Lease;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.HostAndPort;

/**
 * {@code waitForReplicas} on a 3-master Redis Cluster without replicas, so every wait fails: a batch claim
 * sends one {@code WAIT} per node it wrote to (counted with each master's command statistics), not one per id,
 * and the ids its SETs claimed are released although the batch failed.
 */
class ClusterReplicaAcksPerNodeTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofHours(1);
    private static final int IDS = 60;

    private static RedisClusterProcesses cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start();
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Test
    void claimAllShouldWaitForReplicasOncePerNodeAndReleaseWhatItClaimedWhenTheWaitFails() {
        RedisStoreConfig config = RedisStoreConfig.custom().clusterNodes(cluster.hostPorts()).keyPrefix("per-node")
                .waitForReplicas(1, Duration.ofMillis(100)).build();
        List<Lease> claims = NewOwners.claims(IntStream.range(0, IDS).mapToObj(i -> "order-" + i).toList());
        long[] waitsBefore = waitsPerNode();
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config)) {

            assertThatThrownBy(() -> store.claimAll(NS, claims, LEASE)).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("acknowledged by 0 of the 1 replicas");
        }

        long[] waitsAfter = waitsPerNode();
        for (int node = 0; node < waitsAfter.length; node++) {
            assertThat(waitsAfter[node] - waitsBefore[node]).as("WAITs on master %d", node).isEqualTo(1);
        }
        try (RedisClusterClient raw = RedisClusterClient.create(HostAndPort.from(cluster.hostPorts().get(0)))) {
            assertThat(claims).allSatisfy(c -> assertThat(raw.exists("per-node:" + NS + ":" + c.id()))
                    .as("%s released", c.id()).isFalse());
        }
    }

    private static long[] waitsPerNode() {
        return cluster.nodes().stream().mapToLong(node -> {
            try (RedisClient raw = RedisClient.create(node.host(), node.port())) {
                return CommandStats.calls(raw).getOrDefault("wait", 0L);
            }
        }).toArray();
    }
}
