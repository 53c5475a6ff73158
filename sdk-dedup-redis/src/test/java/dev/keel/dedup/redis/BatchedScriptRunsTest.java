package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * A batch costs Redis one script run per 512 ids, not one per id: counted with the server's own
 * command statistics on a private Redis, so no other test's commands are counted.
 */
class BatchedScriptRunsTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(30);

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
    void claimAllOf1000IdsShouldRunTwoScriptsOnRedis() {
        List<Lease> claims = NewOwners.claims(ids(1000));
        store.claimAll(NS, claims.subList(0, 1), LEASE); // loads the script (NOSCRIPT, then EVAL)
        long before = CommandStats.scriptRuns(raw);

        List<ClaimResult> results = store.claimAll(NS, claims, LEASE);

        assertThat(results).allMatch(ClaimResult::isClaimed);
        assertThat(CommandStats.scriptRuns(raw) - before).isEqualTo(2);
    }

    @Test
    void completeAllOf500IdsShouldRunOneScriptOnRedis() {
        List<Lease> claims = NewOwners.claims(ids(500));
        store.claimAll(NS, claims, LEASE);
        store.completeAll(NS, claims.subList(0, 1), LEASE);
        long before = CommandStats.scriptRuns(raw);

        List<LeaseOutcome> outcomes = store.completeAll(NS, claims, LEASE);

        assertThat(outcomes).containsOnly(LeaseOutcome.APPLIED);
        assertThat(CommandStats.scriptRuns(raw) - before).isEqualTo(1);
    }

    private static List<String> ids(int count) {
        return IntStream.range(0, count).mapToObj(i -> "order-" + i).toList();
    }
}
