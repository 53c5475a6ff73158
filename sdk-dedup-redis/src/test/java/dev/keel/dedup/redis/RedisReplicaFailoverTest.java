package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.testbrokers.RedisCluster;
import dev.keel.testbrokers.UniqueNames;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The window of asynchronous replication, on a Redis Cluster with a replica per master: a completion
 * the master acknowledged but its replica never received is lost when the master fails and the replica
 * takes over. {@link RedisStoreConfig.Builder#waitForReplicas} closes it: such a completion fails
 * (retriable) instead, and succeeds once a replica has it, so no "done" is reported that a failover
 * can take back. The replica is kept from replicating by pausing it (SIGSTOP) and closing its link before the
 * completion.
 * Tagged {@code cluster}: runs with {@code -Pcluster} (docs/high-availability.md).
 */
@Tag("cluster")
class RedisReplicaFailoverTest {

    private static final Duration LEASE = Duration.ofMinutes(5);
    private static final Duration RETENTION = Duration.ofHours(1);
    private static final Duration FAILOVER = Duration.ofSeconds(60);

    private static RedisCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.local();
    }

    @Test
    void withoutReplicaWaitsADoneMarkTheReplicaMissedShouldBeLostInAFailover() {
        String prefix = UniqueNames.keyPrefix("failover");
        String ns = "billing:orders";
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config(prefix).build())) {
            String token = NewOwners.token();
            assertThat(store.claim(ns, "order-1", token, LEASE).isClaimed()).isTrue();
            int master = cluster.masterOf(prefix + ":" + ns + ":order-1");
            int replica = cluster.replicaOf(master);
            awaitOnReplica(replica, prefix + ":" + ns + ":order-1");

            isolate(master, replica);
            assertThat(store.complete(ns, "order-1", token, RETENTION)).isEqualTo(LeaseOutcome.APPLIED);
            failOver(master, replica);

            // the promoted replica has the claim, not the done mark: a later copy of the message is not a duplicate
            ClaimResult again = claimAfterFailover(store, ns, "order-1");
            assertThat(again.status()).isEqualTo(ClaimResult.Status.BUSY);
            rejoin(master);
        }
    }

    @Test
    void withReplicaWaitsACompletionTheReplicaMissedShouldFailUntilAReplicaHasIt() {
        String prefix = UniqueNames.keyPrefix("failover-wait");
        String ns = "billing:orders";
        RedisStoreConfig config = config(prefix).waitForReplicas(1, Duration.ofMillis(500)).build();
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config)) {
            String token = NewOwners.token();
            // the claim returns only once the replica has it
            assertThat(store.claim(ns, "order-2", token, LEASE).isClaimed()).isTrue();
            int master = cluster.masterOf(prefix + ":" + ns + ":order-2");
            int replica = cluster.replicaOf(master);

            isolate(master, replica);
            assertThatThrownBy(() -> store.complete(ns, "order-2", token, RETENTION))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("replicas");
            failOver(master, replica);
            // the promoted replica has no replica of its own until the old master rejoins: still not durable
            assertThatThrownBy(() -> store.complete(ns, "order-2", token, RETENTION))
                    .isInstanceOf(StoreUnavailableException.class);
            rejoin(master);

            AtomicReference<LeaseOutcome> completed = new AtomicReference<>();
            await("the completion, once a replica has it").atMost(FAILOVER).pollInterval(Duration.ofMillis(200))
                    .ignoreException(StoreUnavailableException.class)
                    .until(() -> {
                        completed.set(store.complete(ns, "order-2", token, RETENTION));
                        return true;
                    });
            assertThat(completed.get()).isEqualTo(LeaseOutcome.APPLIED);
            assertThat(store.claim(ns, "order-2", NewOwners.token(), LEASE).status())
                    .isEqualTo(ClaimResult.Status.DUPLICATE);
        }
    }

    @Test
    void aReplicaWaitTimeoutNotShorterThanTheSocketTimeoutShouldBeRejected() {
        assertThatThrownBy(() -> RedisStoreConfig.custom().socketTimeout(Duration.ofSeconds(1))
                .waitForReplicas(1, Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shorter than socketTimeout");
    }

    private static RedisStoreConfig.Builder config(String prefix) {
        return RedisStoreConfig.custom().clusterNodes(cluster.seedNodes()).keyPrefix(prefix)
                .connectTimeout(Duration.ofMillis(500)).socketTimeout(Duration.ofSeconds(2));
    }

    /** Keeps the replica from receiving anything more from its master: paused, its replication link closed. */
    private static void isolate(int master, int replica) {
        cluster.pause(replica);
        cluster.cutReplicaLinks(master);
    }

    /** Kills the master and lets its (paused) replica run again, which then takes over. */
    private static void failOver(int master, int replica) {
        cluster.kill(master);
        cluster.resume(replica);
        cluster.awaitServing(FAILOVER);
    }

    /** Starts the killed master again: it rejoins as the new master's replica. */
    private static void rejoin(int master) {
        cluster.restart(master);
        cluster.awaitServing(FAILOVER);
    }

    private static ClaimResult claimAfterFailover(RedisIdempotencyStore store, String ns, String id) {
        AtomicReference<ClaimResult> result = new AtomicReference<>();
        await("a claim on the promoted replica").atMost(FAILOVER).pollInterval(Duration.ofMillis(200))
                .ignoreException(StoreUnavailableException.class)
                .until(() -> {
                    result.set(store.claim(ns, id, NewOwners.token(), LEASE));
                    return true;
                });
        return result.get();
    }

    private static void awaitOnReplica(int replica, String key) {
        try (Jedis jedis = new Jedis("127.0.0.1", replica)) {
            jedis.readonly();
            await("the claim on the replica").atMost(FAILOVER).until(() -> jedis.exists(key));
        }
    }
}
