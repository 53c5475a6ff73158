package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * ACL users on a 3-master Redis Cluster: the least a user needs there is the standalone set plus
 * {@code CLUSTER SLOTS} (the client reads the slot map with it) and {@code ASKING} (to follow a migrating slot's
 * ASK redirections). Without them, and with a wrong password, the store fails with a typed, non-retriable
 * refusal that names the user and what to grant, not with "unreachable".
 */
class RedisClusterAccessControlTest {

    private static final String USER = "keel-app";
    private static final String NO_SLOTS_USER = "keel-no-slots";
    private static final String NO_ASKING_USER = "keel-no-asking";
    private static final String PASSWORD = "app-s3cret-pw";
    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(60);

    private static RedisClusterProcesses cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcesses.start();
        for (RedisServerProcess node : cluster.nodes()) {
            try (Jedis raw = new Jedis(node.host(), node.port())) {
                raw.aclSetUser(USER, "on", ">" + PASSWORD, "resetkeys", "~keel:*", "-@all",
                        "+get", "+set", "+del", "+eval", "+evalsha", "+cluster|slots", "+asking");
                raw.aclSetUser(NO_SLOTS_USER, "on", ">" + PASSWORD, "resetkeys", "~keel:*", "-@all",
                        "+get", "+set", "+del", "+eval", "+evalsha");
                raw.aclSetUser(NO_ASKING_USER, "on", ">" + PASSWORD, "resetkeys", "~keel:*", "-@all",
                        "+get", "+set", "+del", "+eval", "+evalsha", "+cluster|slots");
            }
        }
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    private static RedisStoreConfig.Builder config(String user, String password) {
        return RedisStoreConfig.custom().clusterNodes(cluster.hostPorts()).user(user).password(password)
                .connectTimeout(Duration.ofMillis(500)).socketTimeout(Duration.ofSeconds(1));
    }

    @Test
    void leastPrivilegedAclUserShouldClaimCompleteAndReleaseAlsoWhileASlotMigrates() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config(USER, PASSWORD).build())) {
            List<Lease> claims = NewOwners.claims("a", "b", "c", "d");
            assertThat(store.claimAll(NS, claims, LEASE)).allMatch(ClaimResult::isClaimed);
            assertThat(store.completeAll(NS, claims.subList(0, 2), LEASE)).containsOnly(LeaseOutcome.APPLIED);
            assertThat(store.release(NS, "c", claims.get(2).token())).isEqualTo(LeaseOutcome.APPLIED);

            String id = "migrating";
            try (Migration ignored = Migration.of("keel:" + NS + ":" + id)) {
                assertThat(store.claim(NS, id, NewOwners.token(), LEASE).isClaimed()).as("claimed on the target").isTrue();
            }
        }
    }

    @Test
    void withoutClusterSlotsTheRefusalShouldNameTheUserAndWhatToGrant() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config(NO_SLOTS_USER, PASSWORD).build())) {
            assertThatThrownBy(() -> store.claim(NS, "a", NewOwners.token(), LEASE))
                    .satisfies(RedisAccessControlTest::isRefusal)
                    .hasMessageContaining("refused access for user '" + NO_SLOTS_USER + "'")
                    .hasMessageContaining("'cluster|slots'")
                    .hasMessageContaining("CLUSTER|SLOTS and ASKING");
        }
    }

    @Test
    void withoutAskingAClaimInAMigratingSlotShouldBeARefusalNamingAsking() {
        String id = "migrating-unasked";
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config(NO_ASKING_USER, PASSWORD).build());
             Migration ignored = Migration.of("keel:" + NS + ":" + id)) {
            assertThatThrownBy(() -> store.claim(NS, id, NewOwners.token(), LEASE))
                    .satisfies(RedisAccessControlTest::isRefusal)
                    .hasMessageContaining("refused access for user '" + NO_ASKING_USER + "'")
                    .hasMessageContaining("'asking'");
        }
    }

    @Test
    void wrongPasswordShouldBeARefusalNotAnOutage() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config(USER, "wrong-pw-123").build())) {
            assertThatThrownBy(() -> store.claim(NS, "a", NewOwners.token(), LEASE))
                    .satisfies(RedisAccessControlTest::isRefusal)
                    .hasMessageContaining("refused access for user '" + USER + "'")
                    .hasMessageContaining("WRONGPASS")
                    .hasMessageNotContaining("unreachable").hasMessageNotContaining("wrong-pw-123");
        }
    }

    /** The slot of a key set MIGRATING on its master and IMPORTING on another, until closed (then STABLE again). */
    private record Migration(int slot, Jedis source, Jedis target) implements AutoCloseable {

        static Migration of(String key) {
            int slot = JedisClusterCRC16.getSlot(key);
            Jedis source = null;
            Jedis target = null;
            for (RedisServerProcess node : cluster.nodes()) {
                Jedis raw = new Jedis(node.host(), node.port());
                boolean serves = raw.clusterNodes().lines().filter(l -> l.contains("myself"))
                        .anyMatch(l -> servesSlot(l, slot));
                if (serves && source == null) {
                    source = raw;
                } else if (!serves && target == null) {
                    target = raw;
                } else {
                    raw.close();
                }
            }
            assertThat(source).as("the master of slot %d", slot).isNotNull();
            target.clusterSetSlotImporting(slot, source.clusterMyId());
            source.clusterSetSlotMigrating(slot, target.clusterMyId());
            return new Migration(slot, source, target);
        }

        private static boolean servesSlot(String nodesLine, int slot) {
            String[] fields = nodesLine.split(" ");
            for (int i = 8; i < fields.length; i++) {
                if (fields[i].startsWith("[")) {
                    continue;
                }
                String[] range = fields[i].split("-");
                int from = Integer.parseInt(range[0]);
                int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                if (slot >= from && slot <= to) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void close() {
            // the keys written on the target go, so that the slot is whole again on its source
            for (String key : target.clusterGetKeysInSlot(slot, 100)) {
                target.asking();
                target.del(key);
            }
            source.clusterSetSlotStable(slot);
            target.clusterSetSlotStable(slot);
            source.close();
            target.close();
        }
    }
}
