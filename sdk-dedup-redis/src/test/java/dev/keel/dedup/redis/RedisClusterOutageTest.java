package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A Redis Cluster with one master killed mid-stream, then restarted. */
class RedisClusterOutageTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofHours(1);

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
    void batchSpanningADeadMasterShouldFailAndReleaseWhatItClaimedOnTheLiveOnes() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            ids.add("order-" + i);
        }
        RedisStoreConfig config = RedisStoreConfig.custom().clusterNodes(cluster.hostPorts())
                .connectTimeout(Duration.ofMillis(500)).socketTimeout(Duration.ofMillis(500)).build();
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config)) {
            assertThat(store.claim(NS, "warm-up", NewOwners.token(), LEASE).isClaimed()).isTrue();
            RedisServerProcess victim = cluster.nodes().get(1);

            victim.kill();
            assertThatThrownBy(() -> store.claimAll(NS, NewOwners.claims(ids), LEASE)).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("Redis Cluster [").hasMessageContaining("consumers pause");
            victim.restart();
            cluster.awaitState();

            // had the failed batch kept its claims on the two live masters, these ids would be BUSY for an hour
            AtomicReference<List<ClaimResult>> after = new AtomicReference<>();
            await("the store to reach the restarted master").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200)).ignoreException(StoreUnavailableException.class)
                    .until(() -> {
                        after.set(store.claimAll(NS, NewOwners.claims(ids), LEASE));
                        return true;
                    });
            assertThat(after.get()).extracting(ClaimResult::status).containsOnly(ClaimResult.Status.CLAIMED);
        }
    }
}
