package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.core.InMemoryIdempotencyStore;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/** The benchmark claims what it says on Redis; its figures are printed for information, never asserted. */
class ClaimBenchmarkTest {

    @Test
    void benchmarkShouldClaimEveryIdOncePerPhaseOnRedis() {
        try (RedisServerProcess redis = RedisServerProcess.start();
             RedisClient raw = RedisClient.create(redis.host(), redis.port());
             RedisIdempotencyStore store = RedisIdempotencyStore.create(
                     RedisStoreConfig.custom().host(redis.host()).port(redis.port()).build())) {
            ClaimBenchmark.Result single = ClaimBenchmark.run(store, 20_000, 100, 1);
            ClaimBenchmark.Result parallel = ClaimBenchmark.run(store, 20_000, 100, 4);

            System.out.println("[ClaimBenchmark, Redis on loopback, informal] " + single);
            System.out.println("[ClaimBenchmark, Redis on loopback, informal] " + parallel);
            // per run: 10,000 warm-up ids per phase plus 20,000 ids per phase, every one a fresh key
            assertThat(raw.dbSize()).isEqualTo(2 * (2 * 10_000 + 2 * 20_000));
            assertThat(single.claims()).isEqualTo(20_000);
            assertThat(single.singlePerSecond()).isPositive();
            assertThat(single.batchedPerSecond()).isPositive();
        }
    }

    @Test
    void benchmarkShouldRunOnAnyStore() {
        try (InMemoryIdempotencyStore store = new InMemoryIdempotencyStore()) {
            ClaimBenchmark.Result result = ClaimBenchmark.run(store, 2_000, 50, 2);

            assertThat(store.size()).isEqualTo(2 * 2_000 + 2 * 2_000);
            assertThat(result.batchSize()).isEqualTo(50);
            assertThat(result.threads()).isEqualTo(2);
        }
    }

    @Test
    void invalidParametersShouldBeRejected() {
        try (InMemoryIdempotencyStore store = new InMemoryIdempotencyStore()) {
            assertThatThrownBy(() -> ClaimBenchmark.run(store, 0, 10, 1)).hasMessageContaining("claims must be >= 1");
            assertThatThrownBy(() -> ClaimBenchmark.run(store, 10, 0, 1)).hasMessageContaining("batchSize must be >= 1");
            assertThatThrownBy(() -> ClaimBenchmark.run(store, 10, 1, 11)).hasMessageContaining("threads must be in [1, claims]");
        }
    }
}
