package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.testbrokers.RedisCluster;
import dev.keel.testbrokers.UniqueNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A hash slot migrating between two masters of the harness's 3+3 Redis Cluster while the store works on
 * its ids, with and without {@code waitForReplicas}, claiming by {@code SET} and by script: {@code CLUSTER
 * SETSLOT ... IMPORTING / MIGRATING}, some keys moved with {@code MIGRATE}, then {@code SETSLOT ... NODE}. While
 * the slot migrates, the source answers ASK for every key it no longer has (new ids, and the keys already
 * moved), and a script over several keys of the slot, some moved and some not, TRYAGAIN; after the migration
 * the source answers MOVED to a store whose slot map still names it. Claims of new ids, renewals, completions
 * and releases must all succeed throughout, and leave the states they report; the writes of new ids land on the
 * target, whose replicas are the ones waited for. A migration left half-done fails with a message that says so.
 * Tagged {@code cluster}: runs with {@code -Pcluster} (docs/high-availability.md).
 */
@Tag("cluster")
class ClusterSlotMigrationTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofMinutes(5);
    private static final Duration RETENTION = Duration.ofHours(1);
    private static final Duration SERVING = Duration.ofSeconds(60);

    private static RedisCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.local();
    }

    @ParameterizedTest(name = "waitForReplicas={0}, claims by script={1}")
    @CsvSource({"true, false", "true, true", "false, false", "false, true"})
    void claimsRenewalsCompletionsAndReleasesShouldSucceedWhileTheirSlotMigrates(boolean waitForReplicas,
                                                                                 boolean byScript) {
        cluster.awaitServing(SERVING);
        String prefix = UniqueNames.of("migration");
        List<String> ids = idsOfOneSlot(prefix, 12);
        int slot = slotOf(prefix, ids.get(0));
        int source = cluster.masterOfSlot(slot);
        int target = cluster.masters().stream().filter(p -> p != source).findFirst().orElseThrow();
        RedisStoreConfig.Builder config = RedisStoreConfig.custom().clusterNodes(cluster.seedNodes()).keyPrefix(prefix)
                .connectTimeout(Duration.ofMillis(500)).socketTimeout(Duration.ofSeconds(2));
        if (waitForReplicas) {
            config.waitForReplicas(1, Duration.ofSeconds(1));
        }
        boolean migrating = false;
        try (RedisIdempotencyStore store = byScript ? RedisIdempotencyStore.createClaimingByScript(config.build())
                : RedisIdempotencyStore.create(config.build())) {
            List<Lease> held = NewOwners.claims(ids.subList(0, 2));
            List<Lease> toComplete = NewOwners.claims(ids.subList(2, 4));
            List<Lease> toRelease = NewOwners.claims(ids.subList(4, 6));
            List<Lease> before = new ArrayList<>(held);
            before.addAll(toComplete);
            before.addAll(toRelease);
            assertThat(store.claimAll(NS, before, LEASE)).as("claims before the migration").allMatch(ClaimResult::isClaimed);

            cluster.beginSlotMigration(slot, target);
            migrating = true;
            List<Lease> fresh = NewOwners.claims(ids.subList(6, 8));
            long waitsOnTarget = waits(target);
            assertThat(store.claimAll(NS, fresh, LEASE)).as("claims of new ids while the slot migrates")
                    .allMatch(ClaimResult::isClaimed);
            assertThat(keysInSlot(target, slot)).as("keys written on the target").isEqualTo(2);
            assertThat(keysInSlot(source, slot)).as("keys on the source").isEqualTo(6);
            if (waitForReplicas) {
                assertThat(waits(target) - waitsOnTarget).as("WAITs on the target, where the claims were written")
                        .isPositive();
            }
            cluster.migrateKeys(slot, target, List.of(key(prefix, held.get(0)), key(prefix, toComplete.get(0)),
                    key(prefix, toRelease.get(0))));

            // each pair: one key moved to the target, one still on the source
            assertThat(store.claimAll(NS, held, LEASE)).as("renewals while the slot migrates").allMatch(ClaimResult::isClaimed);
            assertThat(store.completeAll(NS, toComplete, RETENTION)).as("completions while the slot migrates")
                    .containsOnly(LeaseOutcome.APPLIED);
            for (Lease lease : toRelease) {
                assertThat(store.release(NS, lease.id(), lease.token())).as("release of %s", lease.id())
                        .isEqualTo(LeaseOutcome.APPLIED);
            }
            assertThat(store.complete(NS, fresh.get(0).id(), fresh.get(0).token(), RETENTION))
                    .as("completion of an id claimed on the target").isEqualTo(LeaseOutcome.APPLIED);
            assertThat(store.claim(NS, fresh.get(1).id(), NewOwners.token(), LEASE).status())
                    .as("another owner's claim of an id held on the target").isEqualTo(ClaimResult.Status.BUSY);

            cluster.endSlotMigration(slot, target);
            migrating = false;
            // the store's slot map still names the source, which now answers MOVED
            List<Lease> after = NewOwners.claims(ids.subList(8, 10));
            assertThat(store.claimAll(NS, after, LEASE)).as("claims of new ids after the migration")
                    .allMatch(ClaimResult::isClaimed);
            assertThat(store.completeAll(NS, held, RETENTION)).as("completions after the migration")
                    .containsOnly(LeaseOutcome.APPLIED);
            List<String> done = List.of(held.get(0).id(), held.get(1).id(), toComplete.get(0).id(),
                    toComplete.get(1).id(), fresh.get(0).id());
            assertThat(store.claimAll(NS, NewOwners.claims(done), LEASE)).as("done ids, claimed by others")
                    .extracting(ClaimResult::status).containsOnly(ClaimResult.Status.DUPLICATE);
            assertThat(store.claimAll(NS, NewOwners.claims(toRelease.get(0).id(), toRelease.get(1).id()), LEASE))
                    .as("released ids, claimed by others").allMatch(ClaimResult::isClaimed);
        } finally {
            if (migrating) {
                cluster.endSlotMigration(slot, target); // the cluster serves the next tests of this JVM
            }
        }
        assertThat(cluster.masterOfSlot(slot)).isEqualTo(target);
    }

    @Test
    void aMigrationLeftHalfDoneShouldFailNamingTheSlotAndWhatToCheck() {
        cluster.awaitServing(SERVING);
        String prefix = UniqueNames.of("half-migrated");
        String id = "order-1";
        int slot = slotOf(prefix, id);
        int source = cluster.masterOfSlot(slot);
        int target = cluster.masters().stream().filter(p -> p != source).findFirst().orElseThrow();
        RedisStoreConfig config = RedisStoreConfig.custom().clusterNodes(cluster.seedNodes()).keyPrefix(prefix)
                .connectTimeout(Duration.ofMillis(500)).socketTimeout(Duration.ofSeconds(2))
                .waitForReplicas(1, Duration.ofSeconds(1)).build();
        try (Jedis sourceNode = new Jedis("127.0.0.1", source); Jedis targetNode = new Jedis("127.0.0.1", target);
             RedisIdempotencyStore store = RedisIdempotencyStore.create(config)) {
            // MIGRATING on the source, but the target was never told to import: the source answers ASK, the
            // target MOVED back to the source
            sourceNode.clusterSetSlotMigrating(slot, targetNode.clusterMyId());
            try {
                assertThatThrownBy(() -> store.claim(NS, id, NewOwners.token(), LEASE))
                        .isInstanceOf(StoreUnavailableException.class)
                        .hasMessageContaining("kept redirecting a lease command for hash slot " + slot)
                        .hasMessageContaining("a migration was left half-done")
                        .hasMessageContaining("redis-cli --cluster check");
            } finally {
                sourceNode.clusterSetSlotStable(slot);
            }
            assertThat(store.claim(NS, id, NewOwners.token(), LEASE).isClaimed()).as("once the slot is stable").isTrue();
        }
    }

    private static long waits(int port) {
        try (RedisClient raw = RedisClient.create("127.0.0.1", port)) {
            return CommandStats.calls(raw).getOrDefault("wait", 0L);
        }
    }

    private static long keysInSlot(int port, int slot) {
        try (Jedis node = new Jedis("127.0.0.1", port)) {
            return node.clusterCountKeysInSlot(slot);
        }
    }

    /** {@code count} ids whose keys all hash to one slot, so that scripts run over several of them at once. */
    private static List<String> idsOfOneSlot(String prefix, int count) {
        int slot = slotOf(prefix, "order-0");
        List<String> ids = new ArrayList<>();
        for (int n = 0; ids.size() < count; n++) {
            if (slotOf(prefix, "order-" + n) == slot) {
                ids.add("order-" + n);
            }
        }
        return ids;
    }

    private static int slotOf(String prefix, String id) {
        return JedisClusterCRC16.getSlot(prefix + ":" + NS + ":" + id);
    }

    private static String key(String prefix, Lease lease) {
        return prefix + ":" + NS + ":" + lease.id();
    }
}
