package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.StoreUnavailableException;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/** What the store does while Redis is away, and after it returns. */
class RedisOutageTest {

    private static final String NS = "billing:orders";
    private static final Duration LEASE = Duration.ofSeconds(60);

    private static RedisStoreConfig configFor(int port) {
        return RedisStoreConfig.custom().host(RedisServerProcess.HOST).port(port)
                .connectTimeout(Duration.ofMillis(500)).socketTimeout(Duration.ofMillis(500)).build();
    }

    @Test
    void everyCallShouldFailWithStoreUnavailableNamingTheEndpointWhenRedisIsUnreachable() {
        int port = RedisServerProcess.freePort();
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(configFor(port))) {
            String expected = "Redis at 127.0.0.1:" + port + " is unreachable";

            assertThatThrownBy(() -> store.claim(NS, "a", NewOwners.token(), LEASE)).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining(expected).hasMessageContaining("consumers pause until it returns")
                    .satisfies(e -> assertThat(((StoreUnavailableException) e).isRetriable()).isTrue());
            assertThatThrownBy(() -> store.claimAll(NS, NewOwners.claims("a", "b"), LEASE))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining(expected);
            assertThatThrownBy(() -> store.complete(NS, "a", "t", LEASE))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining(expected);
            assertThatThrownBy(() -> store.completeAll(NS, List.of(new Lease("a", "t")), LEASE))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining(expected);
            assertThatThrownBy(() -> store.release(NS, "a", "t"))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining(expected);
        }
    }

    @Test
    void aRedisThatAcceptsButDoesNotAnswerInTimeShouldBeCalledSlowNotUnreachable() throws Exception {
        try (SilentListener silent = new SilentListener();
             RedisIdempotencyStore store = RedisIdempotencyStore.create(configFor(silent.port()))) {
            assertThatThrownBy(() -> store.claimAll(NS, NewOwners.claims("a", "b"), LEASE))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("Redis at 127.0.0.1:" + silent.port()
                            + " did not answer within socketTimeout (500 ms)")
                    .hasMessageNotContaining("unreachable")
                    .hasMessageContaining("consumers pause until it answers in time")
                    .satisfies(e -> assertThat(((StoreUnavailableException) e).isRetriable()).isTrue());
        }
    }

    @Test
    void clusterWhoseSeedsAreUnreachableShouldFailWithStoreUnavailableAndTryAgainOnTheNextCall() {
        String seed = RedisServerProcess.HOST + ":" + RedisServerProcess.freePort();
        RedisStoreConfig config = RedisStoreConfig.custom().clusterNodes(seed).connectTimeout(Duration.ofMillis(300))
                .socketTimeout(Duration.ofMillis(300)).build();
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(config)) {
            for (int attempt = 0; attempt < 2; attempt++) {
                assertThatThrownBy(() -> store.claimAll(NS, NewOwners.claims("a", "b"), LEASE))
                        .isInstanceOf(StoreUnavailableException.class)
                        .hasMessageContaining("Redis Cluster [" + seed + "] is unreachable")
                        .hasMessageContaining("consumers pause until it returns");
            }
        }
    }

    @Test
    void storeShouldServeAgainOnTheFirstCallAfterRedisRestartsEmpty() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start();
             RedisIdempotencyStore store = RedisIdempotencyStore.create(configFor(redis.port()))) {
            ClaimResult before = store.claim(NS, "before", NewOwners.token(), LEASE);
            assertThat(before.isClaimed()).isTrue();
            int pooled = fillPool(store, redis);
            assertThat(pooled).as("pooled connections, all of which the restart breaks").isGreaterThanOrEqualTo(3);

            redis.kill();
            assertThatThrownBy(() -> store.claim(NS, "during", NewOwners.token(), LEASE)).isInstanceOf(StoreUnavailableException.class);
            assertThatThrownBy(() -> store.claimAll(NS, NewOwners.claims("during-1", "during-2"), LEASE))
                    .isInstanceOf(StoreUnavailableException.class);
            redis.restart();

            // no stale pooled connection is tried; the server knows no script (NOSCRIPT → EVAL) and no key
            assertThat(store.claim(NS, "after", NewOwners.token(), LEASE).isClaimed()).isTrue();
            assertThat(store.claimAll(NS, NewOwners.claims("after-1", "after-2"), LEASE)).allMatch(ClaimResult::isClaimed);
            assertThat(store.complete(NS, "before", before.token(), LEASE)).as("a lease the restart erased is lost")
                    .isEqualTo(dev.keel.dedup.LeaseOutcome.LOST);
        }
    }

    /** Has several threads claim at once until the pool holds several connections; returns how many clients Redis sees. */
    private static int fillPool(RedisIdempotencyStore store, RedisServerProcess redis) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(6);
        try (RedisClient raw = RedisClient.create(redis.host(), redis.port())) {
            for (int round = 0; round < 20 && connectedClients(raw) - 1 < 3; round++) {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> claims = new ArrayList<>();
                for (int t = 0; t < 6; t++) {
                    String id = "fill-" + round + "-" + t;
                    claims.add(threads.submit(() -> {
                        go.await();
                        return store.claimAll(NS, NewOwners.claims(id + "-a", id + "-b"), LEASE);
                    }));
                }
                go.countDown();
                for (Future<?> claim : claims) {
                    claim.get(30, TimeUnit.SECONDS);
                }
            }
            return connectedClients(raw) - 1;
        } finally {
            threads.shutdownNow();
        }
    }

    private static int connectedClients(RedisClient raw) {
        return raw.info("clients").lines().filter(l -> l.startsWith("connected_clients:"))
                .mapToInt(l -> Integer.parseInt(l.substring("connected_clients:".length()).trim())).findFirst().orElse(0);
    }

    @Test
    void batchesShouldRecoverFromAFlushedScriptCache() {
        try (RedisServerProcess redis = RedisServerProcess.start();
             RedisClient raw = RedisClient.create(redis.host(), redis.port());
             RedisIdempotencyStore store = RedisIdempotencyStore.create(configFor(redis.port()))) {
            List<ClaimResult> first = store.claimAll(NS, NewOwners.claims("a", "b", "c"), LEASE);

            raw.scriptFlush();

            List<Lease> leases = List.of(new Lease("a", first.get(0).token()), new Lease("b", first.get(1).token()));
            assertThat(store.completeAll(NS, leases, LEASE)).containsOnly(dev.keel.dedup.LeaseOutcome.APPLIED);
            raw.scriptFlush();
            assertThat(store.claimAll(NS, NewOwners.claims("a", "c", "d"), LEASE)).extracting(ClaimResult::status)
                    .containsExactly(ClaimResult.Status.DUPLICATE, ClaimResult.Status.BUSY, ClaimResult.Status.CLAIMED);
        }
    }

    @Test
    void eachClaimAndEachCompletionShouldBeOneSetAndNoScript() {
        try (RedisServerProcess redis = RedisServerProcess.start();
             RedisClient raw = RedisClient.create(redis.host(), redis.port());
             RedisIdempotencyStore store = RedisIdempotencyStore.create(configFor(redis.port()))) {
            ClaimResult warmUp = store.claim(NS, "warm-up", NewOwners.token(), LEASE);
            store.complete(NS, "warm-up", warmUp.token(), LEASE);
            List<Lease> warmUpBatch = NewOwners.claims("warm-up-batch");
            store.claimAll(NS, warmUpBatch, LEASE);
            store.completeAll(NS, warmUpBatch, LEASE);
            Map<String, Long> before = CommandStats.calls(raw);

            for (int i = 0; i < 20; i++) {
                ClaimResult claim = store.claim(NS, "single-" + i, NewOwners.token(), LEASE);
                store.complete(NS, "single-" + i, claim.token(), LEASE);
            }
            List<Lease> batch = NewOwners.claims("batch-1", "batch-2", "batch-3");
            store.claimAll(NS, batch, LEASE);
            store.completeAll(NS, batch, LEASE);

            Map<String, Long> calls = CommandStats.calls(raw);
            calls.replaceAll((command, n) -> n - before.getOrDefault(command, 0L));
            calls.values().removeIf(n -> n == 0);
            calls.remove("info");
            // a claim of a new id is one SET NX GET; a completion one SET XX GET: no script run, no separate GET
            // round trips, no PING
            assertThat(calls).as("commands run").containsOnly(Map.entry("set", 46L));
        }
    }
}
