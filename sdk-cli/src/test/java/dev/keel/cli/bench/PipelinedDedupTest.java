package dev.keel.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.cli.broker.BatchWork.Received;
import dev.keel.testbrokers.RealBrokers;
import dev.keel.testbrokers.RedisEndpoint;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.RedisClient;

/**
 * The bench's hand-written effectively-once work on a real Redis: a claim and a done mark per id, fresh ids only, in
 * both shapes ({@link KeyOrderedDedupTest} checks the key-ordered one's rounds).
 */
@ExtendWith(RealBrokers.class)
class PipelinedDedupTest {

    @Test
    void aBatchShouldLeaveEveryIdMarkedDoneWithTheRetention(RedisEndpoint redis) {
        String prefix = "keel-bench-test:" + UUID.randomUUID() + ":";
        try (RedisClient jedis = RedisClient.create(URI.create(redis.uri()))) {
            try (PipelinedDedup dedup = new PipelinedDedup(DedupWrites.on(jedis), prefix)) {
                dedup.handle(received("a", "b", "c")).toCompletableFuture().join();
            }

            assertMarkedDone(jedis, prefix, "a", "b", "c");
        }
    }

    @Test
    void keyOrderedBatchesShouldLeaveEveryIdMarkedDoneWithTheRetention(RedisEndpoint redis) {
        String prefix = "keel-bench-test:" + UUID.randomUUID() + ":";
        try (RedisClient jedis = RedisClient.create(URI.create(redis.uri()))) {
            try (KeyOrderedDedup dedup = new KeyOrderedDedup(DedupWrites.on(jedis), prefix)) {
                var first = dedup.handle(List.of(new Received("a", "k1"), new Received("b", "k1"),
                        new Received("c", "k2")));
                dedup.handle(List.of(new Received("d", "k1"), new Received("e", ""))).toCompletableFuture().join();
                first.toCompletableFuture().join();
            }

            assertMarkedDone(jedis, prefix, "a", "b", "c", "d", "e");
        }
    }

    @Test
    void anIdClaimedBeforeShouldFailTheRunAndLeaveItsKeyAsItWas(RedisEndpoint redis) {
        String prefix = "keel-bench-test:" + UUID.randomUUID() + ":";
        try (RedisClient jedis = RedisClient.create(URI.create(redis.uri()))) {
            jedis.set(prefix + "b", "someone else's");

            try (PipelinedDedup dedup = new PipelinedDedup(DedupWrites.on(jedis), prefix)) {
                assertThatThrownBy(() -> dedup.handle(received("a", "b")).toCompletableFuture().join())
                        .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("was not claimed");
            }
            assertThat(jedis.get(prefix + "b")).isEqualTo("someone else's");
            jedis.del(prefix + "a", prefix + "b");
        }
    }

    private static void assertMarkedDone(RedisClient jedis, String prefix, String... ids) {
        for (String id : ids) {
            assertThat(jedis.get(prefix + id)).as(id).startsWith("d:");
            assertThat(jedis.pttl(prefix + id)).as(id).isPositive().isLessThanOrEqualTo(DedupWrites.RETENTION_MS)
                    .as("the done mark's retention, not the claim's lease").isGreaterThan(DedupWrites.LEASE_MS);
            jedis.del(prefix + id);
        }
    }

    private static List<Received> received(String... ids) {
        return Arrays.stream(ids).map(id -> new Received(id, "")).toList();
    }
}
