package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisMovedDataException;

/**
 * A batch claim that fails on part of a Redis Cluster (one master killed) and mixes ids the caller's
 * tokens already hold (a heartbeat's renewals) with new ids: the store releases only the ids the batch
 * newly claimed. The held ids belong to messages still running in their handlers; had their leases been
 * deleted, another consumer could claim them and run the same effect again.
 */
class FailedClaimBatchKeepsHeldLeasesTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofHours(1);
    private static final int IDS = 30;

    private static RedisClusterProcesses cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start();
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @AfterEach
    void restartVictim() {
        if (!victim().isAlive()) {
            victim().restart();
            cluster.awaitState();
        }
    }

    @Test
    void claimAllFailingOnADeadMasterShouldKeepTheLeasesItsTokensHeld() {
        failedBatchShouldReleaseOnlyNewIds("set-claims", RedisIdempotencyStore::create,
                (store, claims) -> store.claimAll(NS, claims, LEASE), true);
    }

    @Test
    void claimAllByScriptFailingOnADeadMasterShouldKeepTheLeasesItsTokensHeld() {
        failedBatchShouldReleaseOnlyNewIds("script-claims", RedisIdempotencyStore::createClaimingByScript,
                (store, claims) -> store.claimAll(NS, claims, LEASE), true);
    }

    /**
     * A re-driven batch releases nothing: a claim it made may have taken a dead mark, which a release would delete
     * (FailedRedrivenBatchKeepsIdTest); its new ids stay held by their tokens too, for the engine to claim again or
     * give back.
     */
    @Test
    void claimAllRedrivenFailingOnADeadMasterShouldKeepTheLeasesItsTokensHeld() {
        failedBatchShouldReleaseOnlyNewIds("redriven-claims", RedisIdempotencyStore::create,
                (store, claims) -> store.claimAllRedriven(NS, claims, LEASE), false);
    }

    private interface BatchClaim {
        List<ClaimResult> claim(RedisIdempotencyStore store, List<Lease> claims);
    }

    private static void failedBatchShouldReleaseOnlyNewIds(String prefix, Function<RedisStoreConfig, RedisIdempotencyStore> stores,
                                                          BatchClaim batch, boolean releasesNewIds) {
        RedisStoreConfig config = RedisStoreConfig.custom().clusterNodes(cluster.hostPorts()).keyPrefix(prefix)
                .connectTimeout(Duration.ofMillis(500)).socketTimeout(Duration.ofMillis(500)).build();
        List<Lease> held = NewOwners.claims(ids("held-"));
        List<Lease> fresh = NewOwners.claims(ids("new-"));
        try (RedisIdempotencyStore store = stores.apply(config)) {
            assertThat(batch.claim(store, held)).allMatch(ClaimResult::isClaimed);
            List<Lease> heldOnLiveNodes = onLiveNodes(prefix, held);
            List<Lease> freshOnLiveNodes = onLiveNodes(prefix, fresh);
            assertThat(heldOnLiveNodes).as("held ids on the masters that stay up").isNotEmpty();
            assertThat(freshOnLiveNodes).as("new ids on the masters that stay up").isNotEmpty();
            victim().kill();

            List<Lease> renewalsAndNewIds = new ArrayList<>(held);
            renewalsAndNewIds.addAll(fresh);
            assertThatThrownBy(() -> batch.claim(store, renewalsAndNewIds)).isInstanceOf(StoreUnavailableException.class);

            for (Lease lease : heldOnLiveNodes) {
                try (Jedis node = ownerOf(key(prefix, lease))) {
                    assertThat(node.get(key(prefix, lease))).as("lease of held %s", lease.id())
                            .isEqualTo("p:" + lease.token());
                    assertThat(node.pttl(key(prefix, lease))).as("PTTL of held %s", lease.id()).isPositive();
                }
            }
            for (Lease lease : freshOnLiveNodes) {
                try (Jedis node = ownerOf(key(prefix, lease))) {
                    assertThat(node.get(key(prefix, lease))).as("new %s, released or kept", lease.id())
                            .isEqualTo(releasesNewIds ? null : "p:" + lease.token());
                }
            }
        }
    }

    private static RedisServerProcess victim() {
        return cluster.nodes().get(1);
    }

    /** The leases whose keys live on a master other than the victim. */
    private static List<Lease> onLiveNodes(String prefix, List<Lease> leases) {
        try (Jedis victim = new Jedis(victim().host(), victim().port())) {
            return leases.stream().filter(lease -> !servedBy(victim, key(prefix, lease))).toList();
        }
    }

    /** A connection to the live master that serves {@code key}. */
    private static Jedis ownerOf(String key) {
        for (RedisServerProcess node : cluster.nodes()) {
            if (node == victim()) {
                continue;
            }
            Jedis jedis = new Jedis(node.host(), node.port());
            if (servedBy(jedis, key)) {
                return jedis;
            }
            jedis.close();
        }
        throw new AssertionError("no live master serves " + key);
    }

    private static boolean servedBy(Jedis node, String key) {
        try {
            node.exists(key);
            return true;
        } catch (JedisMovedDataException e) {
            return false;
        }
    }

    private static String key(String prefix, Lease lease) {
        return prefix + ":" + NS + ":" + lease.id();
    }

    private static List<String> ids(String prefix) {
        return IntStream.range(0, IDS).mapToObj(i -> prefix + i).toList();
    }
}
