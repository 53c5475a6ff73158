package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Every key of the store has a TTL, so a Redis whose {@code maxmemory-policy} evicts keys with one
 * ({@code volatile-*}) or any key ({@code allkeys-*}) drops done marks under memory pressure, and duplicates
 * then run again, silently. The store reads the policy once it has reached Redis and warns about an evicting
 * one, naming the setting; {@link RedisIdempotencyStore#health()} reports the policy and the evictions. A user
 * that may not run {@code INFO} or {@code CONFIG} still connects: the check is best effort.
 */
class EvictionPolicyTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final Duration RETENTION = Duration.ofHours(1);
    private static final String USER = "keel-app";
    private static final String PASSWORD = "app-s3cret-pw";
    private static final String WARNING = "maxmemory-policy volatile-lru";

    private static RedisServerProcess evicting;
    private static RedisServerProcess notEvicting;

    @BeforeAll
    static void startRedis() {
        // the least an ACL user needs, without INFO or CONFIG
        evicting = RedisServerProcess.start("--maxmemory", "3mb", "--maxmemory-policy", "volatile-lru",
                "--user", USER, "on", ">" + PASSWORD, "resetkeys", "~keel:*", "-@all",
                "+get", "+set", "+del", "+eval", "+evalsha");
        notEvicting = RedisServerProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        evicting.close();
        notEvicting.close();
    }

    @Test
    void anEvictingPolicyShouldBeWarnedAboutOnceNamingTheSetting() {
        try (CapturedLog log = CapturedLog.start();
             RedisIdempotencyStore store = RedisIdempotencyStore.create(config(evicting).build())) {
            assertThat(store.claim(NS, "warned-a", NewOwners.token(), LEASE).isClaimed()).isTrue();
            assertThat(store.claim(NS, "warned-b", NewOwners.token(), LEASE).isClaimed()).isTrue();

            assertThat(log.linesContaining(WARNING)).as("WARN lines naming the policy in:%n%s", log.text()).isEqualTo(1);
            assertThat(log.text()).contains("WARN").contains(evicting.hostPort()).contains("noeviction");
        }
    }

    @Test
    void evictionsShouldBeCountedInTheHealthSnapshot() {
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config(evicting).keyPrefix("filling").build())) {
            assertThat(store.health().mayEvict()).isTrue();
            long before = store.health().evictedKeys();
            // done marks until Redis evicts some: about 2 MB of room holds some 10,000
            for (int batch = 0; batch < 200 && store.health().evictedKeys() == before; batch++) {
                int from = batch * 500;
                List<Lease> leases = NewOwners.claims(IntStream.range(from, from + 500).mapToObj(i -> "order-" + i).toList());
                assertThat(store.claimAll(NS, leases, LEASE)).allMatch(ClaimResult::isClaimed);
                store.completeAll(NS, leases, RETENTION); // LOST once Redis evicts leases too
            }

            RedisStoreHealth health = store.health();
            assertThat(health.evictedKeys()).as("evicted keys").isGreaterThan(before);
            assertThat(health.nodes()).singleElement().satisfies(node -> {
                assertThat(node.address()).isEqualTo(evicting.hostPort());
                assertThat(node.evictionPolicy()).contains("volatile-lru");
                assertThat(node.evictedKeys()).hasValue(health.evictedKeys());
            });
        }
        // a store that connects now is told how many keys Redis has evicted already
        try (CapturedLog log = CapturedLog.start();
             RedisIdempotencyStore store = RedisIdempotencyStore.create(config(evicting).keyPrefix("late").build())) {
            assertThat(store.claim(NS, "late", NewOwners.token(), LEASE).isClaimed()).isTrue();
            assertThat(log.text()).contains(WARNING).containsPattern("it has evicted [1-9][0-9]* keys since it started");
        }
    }

    @Test
    void noevictionShouldNeitherWarnNorReportEvictions() {
        try (CapturedLog log = CapturedLog.start();
             RedisIdempotencyStore store = RedisIdempotencyStore.create(config(notEvicting).build())) {
            assertThat(store.claim(NS, "a", NewOwners.token(), LEASE).isClaimed()).isTrue();

            RedisStoreHealth health = store.health();
            assertThat(health.mayEvict()).isFalse();
            assertThat(health.evictedKeys()).isZero();
            assertThat(health.nodes()).singleElement().satisfies(node ->
                    assertThat(node.evictionPolicy()).contains(RedisStoreHealth.NO_EVICTION));
            assertThat(log.text()).doesNotContain("maxmemory-policy");
        }
    }

    @Test
    void aUserRefusedInfoAndConfigShouldConnectAndReportThePolicyUnknown() {
        try (Jedis raw = new Jedis(evicting.host(), evicting.port())) {
            assertThat(raw.aclGetUser(USER).getCommands()).doesNotContain("+info").doesNotContain("+config");
        }
        try (CapturedLog log = CapturedLog.start();
             RedisIdempotencyStore store = RedisIdempotencyStore.create(config(evicting).user(USER).password(PASSWORD)
                     .build())) {
            String token = NewOwners.token();
            assertThat(store.claim(NS, "by-acl-user", token, LEASE).isClaimed()).isTrue();
            assertThat(store.complete(NS, "by-acl-user", token, RETENTION)).isEqualTo(LeaseOutcome.APPLIED);

            assertThat(store.health().nodes()).singleElement().satisfies(node -> {
                assertThat(node.evictionPolicy()).isEqualTo(Optional.empty());
                assertThat(node.evictedKeys()).isEmpty();
            });
            assertThat(log.text()).doesNotContain(WARNING).doesNotContain(PASSWORD);
        }
    }

    private static RedisStoreConfig.Builder config(RedisServerProcess redis) {
        return RedisStoreConfig.custom().host(redis.host()).port(redis.port());
    }
}
