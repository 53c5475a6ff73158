package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.testbrokers.RealBrokers;
import dev.keel.testbrokers.RedisEndpoint;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.RedisClient;

/** The bench's hand-written effectively-once work on a real Redis: a claim and a done mark per id, fresh ids only. */
@ExtendWith(RealBrokers.class)
class PipelinedDedupTest {

    @Test
    void aBatchShouldLeaveEveryIdMarkedDoneWithTheRetention(RedisEndpoint redis) {
        String prefix = "keel-bench-test:" + UUID.randomUUID() + ":";
        try (RedisClient jedis = RedisClient.create(URI.create(redis.uri()))) {
            try (PipelinedDedup dedup = new PipelinedDedup(jedis, prefix)) {
                dedup.handle(List.of("a", "b", "c")).toCompletableFuture().join();
            }

            for (String id : List.of("a", "b", "c")) {
                assertThat(jedis.get(prefix + id)).as(id).startsWith("d:");
                assertThat(jedis.pttl(prefix + id)).as(id).isPositive()
                        .isLessThanOrEqualTo(PipelinedDedup.RETENTION_MS)
                        .as("the done mark's retention, not the claim's lease").isGreaterThan(PipelinedDedup.LEASE_MS);
            }
            jedis.del(prefix + "a", prefix + "b", prefix + "c");
        }
    }

    @Test
    void anIdClaimedBeforeShouldFailTheRunAndLeaveItsKeyAsItWas(RedisEndpoint redis) {
        String prefix = "keel-bench-test:" + UUID.randomUUID() + ":";
        try (RedisClient jedis = RedisClient.create(URI.create(redis.uri()))) {
            jedis.set(prefix + "b", "someone else's");

            try (PipelinedDedup dedup = new PipelinedDedup(jedis, prefix)) {
                assertThatThrownBy(() -> dedup.handle(List.of("a", "b")).toCompletableFuture().join())
                        .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("was not claimed");
            }
            assertThat(jedis.get(prefix + "b")).isEqualTo("someone else's");
            jedis.del(prefix + "a", prefix + "b");
        }
    }
}
