package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;

/**
 * {@code waitForReplicas} on a private master with one replica: a pipelined batch waits for its replicas
 * once per connection ({@code WAIT} covers every earlier write of the connection), not once per id, so
 * a batch of new ids costs one replica round trip, and with the replica down fails after about one
 * wait timeout instead of one per id.
 */
class ReplicaAcksPerBatchTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final Duration ACK_TIMEOUT = Duration.ofMillis(500);
    private static final int IDS = 200;

    private RedisServerProcess master;
    private RedisServerProcess replica;
    private RedisClient raw;
    private RedisIdempotencyStore store;

    @BeforeEach
    void start() {
        master = RedisServerProcess.start("--repl-diskless-sync-delay", "0"); // the replica syncs at once, not after 5 s
        replica = RedisServerProcess.start("--replicaof", master.host(), String.valueOf(master.port()));
        raw = RedisClient.create(master.host(), master.port());
        Awaitility.await("the replica acknowledging writes").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(this::replicaAcknowledgesAWrite);
        store = RedisIdempotencyStore.create(RedisStoreConfig.custom().host(master.host()).port(master.port())
                .waitForReplicas(1, ACK_TIMEOUT).build());
    }

    @AfterEach
    void stop() {
        store.close();
        raw.close();
        replica.close();
        master.close();
    }

    @Test
    void claimAllOfNewIdsShouldWaitForReplicasOncePerBatch() {
        List<Lease> claims = NewOwners.claims(ids());
        long waitsBefore = CommandStats.calls(raw).getOrDefault("wait", 0L);

        List<ClaimResult> results = store.claimAll(NS, claims, LEASE);

        assertThat(results).allMatch(ClaimResult::isClaimed);
        assertThat(CommandStats.calls(raw).getOrDefault("wait", 0L) - waitsBefore).isEqualTo(1);
    }

    @Test
    void claimAllWithTheReplicaDownShouldFailAfterAboutOneWaitTimeout() {
        List<Lease> claims = NewOwners.claims(ids());
        stopReplica();

        // one wait per id would block IDS x ACK_TIMEOUT (100 s)
        assertTimeoutPreemptively(ACK_TIMEOUT.multipliedBy(10), () ->
                assertThatThrownBy(() -> store.claimAll(NS, claims, LEASE))
                        .isInstanceOf(StoreUnavailableException.class)
                        .hasMessageContaining("acknowledged by 0 of the 1 replicas"));
    }

    @Test
    void claimAllWithTheReplicaDownShouldReleaseItsNewIdsAndKeepTheLeasesItsTokensHeld() {
        List<Lease> held = NewOwners.claims(ids("held-", 20));
        List<Lease> fresh = NewOwners.claims(ids("new-", 20));
        assertThat(store.claimAll(NS, held, LEASE)).allMatch(ClaimResult::isClaimed);
        stopReplica();

        List<Lease> renewalsAndNewIds = new ArrayList<>(held);
        renewalsAndNewIds.addAll(fresh);
        assertThatThrownBy(() -> store.claimAll(NS, renewalsAndNewIds, LEASE)).isInstanceOf(StoreUnavailableException.class);

        for (Lease lease : held) {
            assertThat(raw.get(key(lease))).as("lease of held %s", lease.id()).isEqualTo("p:" + lease.token());
            assertThat(raw.pttl(key(lease))).as("PTTL of held %s", lease.id()).isPositive();
        }
        assertThat(fresh).allSatisfy(lease -> assertThat(raw.exists(key(lease))).as("new %s, released", lease.id()).isFalse());
    }

    /** A write, then WAIT on the same connection: a WAIT after no write would count a replica still syncing. */
    private boolean replicaAcknowledgesAWrite() {
        try (AbstractPipeline pipeline = raw.pipelined()) {
            pipeline.set("readiness", "1");
            Response<Long> acknowledged = pipeline.waitReplicas("readiness", 1, 100);
            pipeline.sync();
            return acknowledged.get() >= 1;
        }
    }

    private void stopReplica() {
        replica.kill();
        Awaitility.await("the master to see its replica gone").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50)).until(() -> raw.info("replication").contains("connected_slaves:0"));
    }

    private static String key(Lease lease) {
        return "keel:" + NS + ":" + lease.id();
    }

    private static List<String> ids() {
        return ids("order-", IDS);
    }

    private static List<String> ids(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i).toList();
    }
}
