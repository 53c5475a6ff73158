package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * On a Redis Cluster every master keeps its own keys under its own {@code maxmemory-policy}: the store checks
 * each one, on a 3-master cluster of which one evicts, and {@link RedisIdempotencyStore#health()} lists them all.
 * A master that cannot be reached when the check is made is checked again later, not on every call: calls keep
 * their latency while it is down.
 */
class ClusterEvictionPolicyTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(60);

    private static RedisClusterProcesses cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start();
        try (RedisClient raw = RedisClient.create(cluster.nodes().get(1).host(), cluster.nodes().get(1).port())) {
            raw.configSet("maxmemory-policy", "allkeys-lru");
        }
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Test
    void eachMasterShouldBeCheckedAndTheEvictingOneNamed() {
        RedisServerProcess evicting = cluster.nodes().get(1);
        try (CapturedLog log = CapturedLog.start();
             RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom()
                     .clusterNodes(cluster.hostPorts()).build())) {
            assertThat(store.claimAll(NS, NewOwners.claims("a", "b", "c"), LEASE)).allMatch(c -> c.isClaimed());

            assertThat(log.linesContaining("maxmemory-policy")).as("warnings in:%n%s", log.text()).isEqualTo(1);
            assertThat(log.text()).contains("Redis at " + evicting.hostPort() + " runs maxmemory-policy allkeys-lru");
            RedisStoreHealth health = store.health();
            assertThat(health.nodes()).extracting(RedisStoreHealth.Node::address)
                    .containsExactlyInAnyOrderElementsOf(cluster.hostPorts());
            assertThat(health.nodes()).filteredOn(RedisStoreHealth.Node::mayEvict).singleElement()
                    .satisfies(node -> assertThat(node.address()).isEqualTo(evicting.hostPort()));
        }
    }

    @Test
    void aMasterDownAtTheFirstCallShouldNotMakeEveryCallCheckAgain() {
        RedisServerProcess down = cluster.nodes().get(2);
        List<RedisServerProcess> live = cluster.nodes().subList(0, 2);
        RedisStoreConfig config = RedisStoreConfig.custom().clusterNodes(cluster.hostPorts())
                .connectTimeout(Duration.ofMillis(300)).socketTimeout(Duration.ofMillis(500)).build();
        down.kill();
        long[] infoBefore = live.stream().mapToLong(ClusterEvictionPolicyTest::infoCalls).toArray();
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config)) {

            List<String> onLiveMasters = idsServedBy(live, 10);
            for (String id : onLiveMasters) {
                assertThat(store.claim(NS, id, NewOwners.token(), LEASE).isClaimed()).isTrue();
            }

            for (int i = 0; i < live.size(); i++) {
                // one check reads INFO memory and INFO stats once; a check on every call would read them 10 times
                // (the first infoCalls's own INFO commandstats is counted too: minus 1). Counted before the health
                // snapshot below, which reads INFO itself on the masters it reaches before the one that is down
                assertThat(infoCalls(live.get(i)) - infoBefore[i] - 1).as("INFO calls on live master %s",
                        live.get(i).hostPort()).isLessThanOrEqualTo(2);
            }
            assertThatThrownBy(store::health).as("a snapshot with a master down").isInstanceOf(StoreUnavailableException.class);
        } finally {
            down.restart();
            cluster.awaitState();
        }
    }

    private static long infoCalls(RedisServerProcess node) {
        try (RedisClient raw = RedisClient.create(node.host(), node.port())) {
            // this INFO commandstats is counted after it answers: the count is of the calls before it
            return CommandStats.calls(raw).getOrDefault("info", 0L);
        }
    }

    /** {@code count} ids whose keys live on the masters {@code nodes}. */
    private static List<String> idsServedBy(List<RedisServerProcess> nodes, int count) {
        List<String> ids = new ArrayList<>();
        try (Jedis raw = new Jedis(nodes.get(0).host(), nodes.get(0).port())) {
            String slots = raw.clusterNodes();
            for (int n = 0; ids.size() < count; n++) {
                int slot = JedisClusterCRC16.getSlot("keel:" + NS + ":order-" + n);
                for (RedisServerProcess node : nodes) {
                    if (serves(slots, node.port(), slot)) {
                        ids.add("order-" + n);
                    }
                }
            }
        }
        return ids;
    }

    private static boolean serves(String clusterNodes, int port, int slot) {
        return clusterNodes.lines().filter(l -> l.split(" ")[1].startsWith(RedisServerProcess.HOST + ":" + port + "@"))
                .flatMap(l -> Arrays.stream(l.split(" ")).skip(8)).filter(r -> !r.startsWith("["))
                .anyMatch(r -> {
                    String[] range = r.split("-");
                    int from = Integer.parseInt(range[0]);
                    int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                    return slot >= from && slot <= to;
                });
    }
}
