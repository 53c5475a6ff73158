package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * What a batch costs Redis, counted with the server's own command statistics on a private Redis, so no
 * other test's commands are counted: a claim of new ids is one plain SET per id and no script run; only
 * the ids a claim's own token already holds (retries, renewals) take a script run too, one per 512 ids;
 * a completion is one plain SET per id and no script run (one script run per 512 ids when the store claims by
 * script, as on a server older than Redis 7.0).
 */
class BatchedScriptRunsTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(30);
    /** Read the statistics, or open a pooled connection: not the store's work on ids. */
    private static final Set<String> CONNECTION_COMMANDS = Set.of("info", "hello", "client|setinfo", "auth", "ping",
            "select");

    private RedisServerProcess redis;
    private RedisClient raw;
    private RedisIdempotencyStore store;

    @BeforeEach
    void start() {
        redis = RedisServerProcess.start();
        raw = RedisClient.create(redis.host(), redis.port());
        store = RedisIdempotencyStore.create(RedisStoreConfig.custom().host(redis.host()).port(redis.port()).build());
    }

    @AfterEach
    void stop() {
        store.close();
        raw.close();
        redis.close();
    }

    @Test
    void claimAllOf1000NewIdsShouldRunOneSetEachAndNoScriptOnRedis() {
        List<Lease> claims = NewOwners.claims(ids(1000));
        store.claim(NS, "warm-up", NewOwners.token(), LEASE); // the store's first claim also checks its ACL, once
        Map<String, Long> before = CommandStats.calls(raw);

        List<ClaimResult> results = store.claimAll(NS, claims, LEASE);

        assertThat(results).allMatch(ClaimResult::isClaimed);
        Map<String, Long> after = CommandStats.calls(raw);
        assertThat(grown(before, after, "set")).isEqualTo(1000);
        assertThat(grown(before, after, "get")).isZero();
        assertThat(grown(before, after, "evalsha")).isZero();
        assertThat(grown(before, after, "eval")).isZero();
    }

    @Test
    void claimAllRetriedBySameTokensShouldRenewThe1000IdsInTwoScriptRuns() {
        List<Lease> claims = NewOwners.claims(ids(1000));
        store.claimAll(NS, claims, LEASE);
        store.claimAll(NS, claims.subList(0, 1), LEASE); // loads the script (NOSCRIPT, then EVAL)
        long scriptsBefore = CommandStats.scriptRuns(raw);
        long setsBefore = CommandStats.calls(raw).getOrDefault("set", 0L);

        List<ClaimResult> results = store.claimAll(NS, claims, LEASE);

        assertThat(results).allMatch(ClaimResult::isClaimed);
        assertThat(CommandStats.scriptRuns(raw) - scriptsBefore).isEqualTo(2);
        // a SET NX per id that found its own lease, then the script's own SET per id that renewed it
        assertThat(CommandStats.calls(raw).get("set") - setsBefore).isEqualTo(2000);
    }

    @Test
    void completeAllOf500IdsShouldRunOneSetEachAndNoScriptOnRedis() {
        List<Lease> claims = NewOwners.claims(ids(500));
        store.claimAll(NS, claims, LEASE);
        Map<String, Long> before = CommandStats.calls(raw);

        List<LeaseOutcome> outcomes = store.completeAll(NS, claims, LEASE);

        Map<String, Long> after = CommandStats.calls(raw);
        assertThat(outcomes).containsOnly(LeaseOutcome.APPLIED);
        assertThat(grown(before, after, "set")).isEqualTo(500);
        assertThat(after.keySet().stream().filter(c -> !CONNECTION_COMMANDS.contains(c))
                .mapToLong(c -> grown(before, after, c)).sum())
                .as("one command per id: nothing but the SETs").isEqualTo(500);
        assertThat(grown(before, after, "evalsha")).isZero();
        assertThat(grown(before, after, "eval")).isZero();
        assertThat(raw.get("keel:" + NS + ":order-7")).isEqualTo("d:" + claims.get(7).token());
    }

    @Test
    void completeAllOf500IdsShouldRunOneScriptOnRedisWhenClaimingByScript() {
        try (RedisIdempotencyStore byScript = RedisIdempotencyStore.createClaimingByScript(
                RedisStoreConfig.custom().host(redis.host()).port(redis.port()).build())) {
            List<Lease> claims = NewOwners.claims(ids(500));
            byScript.claimAll(NS, claims, LEASE);
            byScript.completeAll(NS, claims.subList(0, 1), LEASE); // loads the script
            long before = CommandStats.scriptRuns(raw);

            List<LeaseOutcome> outcomes = byScript.completeAll(NS, claims, LEASE);

            assertThat(outcomes).containsOnly(LeaseOutcome.APPLIED);
            assertThat(CommandStats.scriptRuns(raw) - before).isEqualTo(1);
        }
    }

    private static long grown(Map<String, Long> before, Map<String, Long> after, String command) {
        return after.getOrDefault(command, 0L) - before.getOrDefault(command, 0L);
    }

    private static List<String> ids(int count) {
        return IntStream.range(0, count).mapToObj(i -> "order-" + i).toList();
    }
}
