package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.core.Keel;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
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
import java.util.List;
import java.util.UUID;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * A consumer JVM is killed with kill -9 in the middle of its work; another consumer of the group
 * finishes the stream: nothing is lost and, under EFFECTIVELY_ONCE with the Redis store, no
 * message has its effect twice.
 */
@UsesBrokers({BrokerKind.KAFKA, BrokerKind.REDIS})
class KafkaConsumerCrashTest {

    private static final int MESSAGES = 400;
    private static final int BLOCK_AFTER = 150;
    private static final Duration LEASE = Duration.ofSeconds(5);

    @Test
    void aConsumerKilledMidBatchShouldLoseNothingAndLeaveNoDuplicateEffect() throws Exception {
        String bootstrap = Brokers.kafka().bootstrapServers();
        String redisUri = Brokers.redis().uri();
        String topic = KafkaTestSupport.unique("crash");
        String group = KafkaTestSupport.unique("group");
        String storePrefix = UniqueNames.of("dedup");
        String effectsKey = UniqueNames.keyPrefix("effects") + topic;
        RedisStoreConfig storeConfig = RedisStoreConfig.custom().uri(redisUri).keyPrefix(storePrefix).build();

        try (KafkaAdapter publishingAdapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             Keel publishing = Keel.builder(publishingAdapter).withoutIdempotencyStore().build();
             RedisClient redis = RedisClient.create(URI.create(redisUri));
             RedisIdempotencyStore probe = RedisIdempotencyStore.create(storeConfig)) {
            publishing.ensureTopology(TopicSpec.builder(topic).partitions(3).build());
            List<CompletableFuture<?>> sends = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                sends.add(publishing.publisher().publishAsync(topic, Message.builder("m-" + i, Codec.utf8()).id("m-" + i)
                        .key("k" + (i % 10)).build()).toCompletableFuture());
            }
            sends.forEach(CompletableFuture::join);

            try (ForkedJvm victim = ForkedJvm.builder(CrashingConsumerMain.class)
                    .args(bootstrap, redisUri, storePrefix, topic, group, effectsKey, String.valueOf(BLOCK_AFTER),
                            String.valueOf(LEASE.toMillis()))
                    .systemProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn")
                    .start()) {
                victim.awaitLineContaining("blocking on", Duration.ofSeconds(90));
                // kill only once every effect the victim made is marked done: the window between a
                // handler's side effect and its done mark is the documented limit of EFFECTIVELY_ONCE
                await().atMost(Duration.ofSeconds(30)).until(() -> redis.hkeys(effectsKey).stream().allMatch(
                        id -> probe.claim(group + ":" + topic, id, UUID.randomUUID().toString(), LEASE).status() == ClaimResult.Status.DUPLICATE));
                assertThat(redis.hlen(effectsKey)).isEqualTo(BLOCK_AFTER);
                assertThat(victim.kill()).isEqualTo(137);
            }

            Map<String, Integer> handledBySurvivor = new ConcurrentHashMap<>();
            AtomicInteger survivorCalls = new AtomicInteger();
            try (KafkaAdapter survivorAdapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
                 RedisIdempotencyStore survivorStore = RedisIdempotencyStore.create(storeConfig);
                 Keel survivor = Keel.builder(survivorAdapter).idempotencyStore(survivorStore).build()) {
                survivor.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                        .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                        .idempotencyPolicy(IdempotencyPolicy.custom().lease(LEASE).build()).build(), delivery -> {
                            redis.hincrBy(effectsKey, delivery.id(), 1);
                            handledBySurvivor.merge(delivery.id(), 1, Integer::sum);
                            survivorCalls.incrementAndGet();
                        });
                await().atMost(Duration.ofSeconds(120)).until(() -> redis.hlen(effectsKey) == MESSAGES);
            }

            Map<String, String> effects = redis.hgetAll(effectsKey);
            assertThat(effects).hasSize(MESSAGES);
            assertThat(effects.values()).as("effects per message id").containsOnly("1");
            assertThat(survivorCalls.get()).isEqualTo(MESSAGES - BLOCK_AFTER);
            redis.del(effectsKey);
        }
    }
}
