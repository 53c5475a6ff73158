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
 * The bench's hand-written effectively-once work on a real Redis: a claim and a done mark per id, fresh ids only; in
 * its key-ordered shape, the done marks in rounds of one message per key.
 */
@ExtendWith(RealBrokers.class)
class PipelinedDedupTest {

    @Test
    void aBatchShouldLeaveEveryIdMarkedDoneWithTheRetention(RedisEndpoint redis) {
        String prefix = "keel-bench-test:" + UUID.randomUUID() + ":";
        try (RedisClient jedis = RedisClient.create(URI.create(redis.uri()))) {
            try (PipelinedDedup dedup = PipelinedDedup.wholeBatches(jedis, prefix)) {
                dedup.handle(received("a", "b", "c")).toCompletableFuture().join();
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

            try (PipelinedDedup dedup = PipelinedDedup.wholeBatches(jedis, prefix)) {
                assertThatThrownBy(() -> dedup.handle(received("a", "b")).toCompletableFuture().join())
                        .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("was not claimed");
            }
            assertThat(jedis.get(prefix + "b")).isEqualTo("someone else's");
            jedis.del(prefix + "a", prefix + "b");
        }
    }

    @Test
    void keyOrderedBatchesShouldLeaveEveryIdMarkedDone(RedisEndpoint redis) {
        String prefix = "keel-bench-test:" + UUID.randomUUID() + ":";
        List<Received> first = List.of(new Received("a", "k1"), new Received("b", "k1"), new Received("c", "k2"));
        List<Received> second = List.of(new Received("d", "k1"), new Received("e", "k2"));
        try (RedisClient jedis = RedisClient.create(URI.create(redis.uri()))) {
            try (PipelinedDedup dedup = PipelinedDedup.keyOrdered(jedis, prefix)) {
                var one = dedup.handle(first).toCompletableFuture();
                dedup.handle(second).toCompletableFuture().join();
                assertThat(one).as("the first batch's rounds ran before the second's").isCompleted();
            }

            for (String id : List.of("a", "b", "c", "d", "e")) {
                assertThat(jedis.get(prefix + id)).as(id).startsWith("d:");
                jedis.del(prefix + id);
            }
        }
    }

    @Test
    void aKeysMessagesShouldBeMarkedDoneInRoundsOfOneMessagePerKey(RedisEndpoint redis) {
        try (RedisClient jedis = RedisClient.create(URI.create(redis.uri()));
             PipelinedDedup dedup = PipelinedDedup.keyOrdered(jedis, "p:")) {
            List<Received> batch = List.of(new Received("a", "k1"), new Received("b", "k2"), new Received("c", "k1"),
                    new Received("d", "k1"), new Received("e", "k3"), new Received("f", "k2"));

            assertThat(dedup.roundsOf(batch)).containsExactly(List.of("p:a", "p:b", "p:e"), List.of("p:c", "p:f"),
                    List.of("p:d"));
        }
    }

    private static List<Received> received(String... ids) {
        return Arrays.stream(ids).map(id -> new Received(id, "")).toList();
    }
}
