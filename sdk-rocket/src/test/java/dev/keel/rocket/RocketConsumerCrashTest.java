package dev.keel.rocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.PublisherConfig;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * A consumer JVM is killed with kill -9 in the middle of its work; another consumer of the group
 * finishes the stream: nothing is lost, each message has its effect once (EFFECTIVELY_ONCE with the
 * Redis store), and every key's effects happen in publish order.
 */
@UsesBrokers({BrokerKind.ROCKET, BrokerKind.REDIS})
class RocketConsumerCrashTest {

    private static final int MESSAGES = 400;
    private static final int KEYS = 10;
    private static final int BLOCK_AFTER = 150;
    private static final Duration LEASE = Duration.ofSeconds(5);

    @Test
    void aConsumerKilledMidBatchShouldLoseNothingRepeatNoEffectAndKeepKeyOrder() throws Exception {
        String nameServer = Brokers.rocket().nameServerAddress();
        String redisUri = Brokers.redis().uri();
        String topic = RocketTestSupport.unique("crash");
        String group = RocketTestSupport.unique("group");
        String storePrefix = UniqueNames.of("dedup");
        String effectsKey = UniqueNames.keyPrefix("effects") + topic;
        RedisStoreConfig storeConfig = RedisStoreConfig.custom().uri(redisUri).keyPrefix(storePrefix).build();

        try (RocketAdapter publishingAdapter = RocketTestSupport.adapter();
             // one publish in flight per key: a publish the engine retries cannot land behind a later one of its key
             Keel publishing = Keel.builder(publishingAdapter).withoutIdempotencyStore()
                     .publisherConfig(PublisherConfig.custom().sequentialPerKey(true).build()).build();
             RedisClient redis = RedisClient.create(URI.create(redisUri));
             RedisIdempotencyStore probe = RedisIdempotencyStore.create(storeConfig)) {
            publishing.ensureTopology(TopicSpec.builder(topic).partitions(3).group(group).build());
            List<CompletableFuture<PublishReceipt>> sends = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                sends.add(publishing.publisher().publishAsync(topic, Message.builder("m-" + i, Codec.utf8()).id("m-" + i)
                        .key("k" + (i % KEYS)).build()).toCompletableFuture());
            }
            for (int k = 0; k < KEYS; k++) {
                List<Long> offsets = new ArrayList<>();
                for (int i = k; i < MESSAGES; i += KEYS) {
                    offsets.add(sends.get(i).join().offset());
                }
                assertThat(offsets).as("queue offsets of key k%d in publish order", k).isSorted();
            }

            try (ForkedJvm victim = ForkedJvm.builder(CrashingConsumerMain.class)
                    .args(nameServer, redisUri, storePrefix, topic, group, effectsKey, String.valueOf(BLOCK_AFTER),
                            String.valueOf(LEASE.toMillis()))
                    .systemProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn")
                    .start()) {
                victim.awaitLineContaining("blocking on", Duration.ofSeconds(90));
                // kill only once every effect the victim made is marked done: the window between a
                // handler's side effect and its done mark is the documented limit of EFFECTIVELY_ONCE
                await().atMost(Duration.ofSeconds(30)).until(() -> redis.hkeys(effectsKey).stream().allMatch(
                        id -> probe.claim(group + ":" + topic, id, UUID.randomUUID().toString(), LEASE).status()
                                == ClaimResult.Status.DUPLICATE));
                assertThat(redis.hlen(effectsKey)).isEqualTo(BLOCK_AFTER);
                assertThat(victim.kill()).isEqualTo(137);
            }

            AtomicInteger survivorCalls = new AtomicInteger();
            try (RocketAdapter survivorAdapter = RocketTestSupport.adapter();
                 RedisIdempotencyStore survivorStore = RedisIdempotencyStore.create(storeConfig);
                 Keel survivor = Keel.builder(survivorAdapter).idempotencyStore(survivorStore).build()) {
                survivor.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                        .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                        .idempotencyPolicy(IdempotencyPolicy.custom().lease(LEASE).build()).build(), delivery -> {
                            redis.hincrBy(effectsKey, delivery.id(), 1);
                            redis.rpush(effectsKey + ":" + delivery.key(), delivery.id());
                            survivorCalls.incrementAndGet();
                        });
                await().atMost(Duration.ofSeconds(120)).until(() -> redis.hlen(effectsKey) == MESSAGES);
            }

            Map<String, String> effects = redis.hgetAll(effectsKey);
            assertThat(effects).hasSize(MESSAGES);
            assertThat(effects.values()).as("effects per message id").containsOnly("1");
            assertThat(survivorCalls.get()).isEqualTo(MESSAGES - BLOCK_AFTER);
            for (int k = 0; k < KEYS; k++) {
                List<String> order = redis.lrange(effectsKey + ":k" + k, 0, -1);
                assertThat(order).as("effects of key k%d in publish order", k)
                        .isSortedAccordingTo(Comparator.comparingInt(id -> Integer.parseInt(id.substring(2))))
                        .hasSize(MESSAGES / KEYS);
                redis.del(effectsKey + ":k" + k);
            }
            redis.del(effectsKey);
        }
    }
}
