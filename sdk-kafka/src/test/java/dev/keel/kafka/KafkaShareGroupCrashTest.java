package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.ordering.Ordering;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * A share-group consumer JVM is killed with kill -9 while it holds the broker's locks on records it is handling (and
 * their claims); a survivor in the same share group gets those records once their lock expires (3 s for this group)
 * and finishes the stream: nothing is lost and, under EFFECTIVELY_ONCE with the Redis store, no message has its
 * effect twice.
 */
@UsesBrokers({BrokerKind.KAFKA, BrokerKind.REDIS})
class KafkaShareGroupCrashTest {

    private static final int MESSAGES = 300;
    private static final int BLOCK_AFTER = 100;
    private static final Duration LEASE = Duration.ofSeconds(4);
    private static final Duration LOCK = Duration.ofSeconds(3);

    @Test
    void aShareConsumerKilledWithLockedRecordsShouldLoseNothingAndLeaveNoDuplicateEffect() throws Exception {
        String bootstrap = Brokers.kafka().bootstrapServers();
        String redisUri = Brokers.redis().uri();
        String topic = KafkaTestSupport.unique("share-crash");
        String group = KafkaTestSupport.unique("share-group");
        String storePrefix = UniqueNames.of("dedup");
        String effectsKey = UniqueNames.keyPrefix("effects") + topic;
        RedisStoreConfig storeConfig = RedisStoreConfig.custom().uri(redisUri).keyPrefix(storePrefix).build();
        KafkaTestSupport.alterShareGroup(bootstrap, KafkaAdapter.shareGroupId(group),
                Map.of("share.record.lock.duration.ms", String.valueOf(LOCK.toMillis())));

        try (KafkaAdapter publishingAdapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             Keel publishing = Keel.builder(publishingAdapter).withoutIdempotencyStore().build();
             RedisClient redis = RedisClient.create(URI.create(redisUri));
             RedisIdempotencyStore probe = RedisIdempotencyStore.create(storeConfig)) {
            publishing.ensureTopology(TopicSpec.builder(topic).partitions(2).build());
            List<CompletableFuture<?>> sends = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                sends.add(publishing.publisher().publishAsync(topic, Message.builder("m-" + i, Codec.utf8())
                        .id("m-" + i).key("k" + (i % 10)).build()).toCompletableFuture());
            }
            sends.forEach(CompletableFuture::join);

            long killedAt;
            try (ForkedJvm victim = ForkedJvm.builder(ShareCrashingConsumerMain.class)
                    .args(bootstrap, redisUri, storePrefix, topic, group, effectsKey, String.valueOf(BLOCK_AFTER),
                            String.valueOf(LEASE.toMillis()))
                    .systemProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn")
                    .start()) {
                victim.awaitLineContaining("blocking on", Duration.ofSeconds(90));
                // kill only once every effect the victim made is marked done: the window between a handler's side
                // effect and its done mark is the documented limit of EFFECTIVELY_ONCE
                await().atMost(Duration.ofSeconds(30)).until(() -> redis.hkeys(effectsKey).stream().allMatch(
                        id -> probe.claim(group + ":" + topic, id, UUID.randomUUID().toString(), LEASE).status()
                                == ClaimResult.Status.DUPLICATE));
                assertThat(redis.hlen(effectsKey)).isEqualTo(BLOCK_AFTER);
                assertThat(victim.kill()).isEqualTo(137);
                killedAt = System.nanoTime();
            }

            Map<String, Integer> handledBySurvivor = new ConcurrentHashMap<>();
            Set<Integer> deliveryCounts = ConcurrentHashMap.newKeySet();
            long[] firstAt = {0};
            try (KafkaAdapter survivorAdapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
                 RedisIdempotencyStore survivorStore = RedisIdempotencyStore.create(storeConfig);
                 Keel survivor = Keel.builder(survivorAdapter).idempotencyStore(survivorStore).build()) {
                survivor.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8()).shareGroup(true)
                        .ordering(Ordering.UNORDERED).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                        .idempotencyPolicy(IdempotencyPolicy.custom().lease(LEASE).build()).build(), delivery -> {
                            synchronized (firstAt) {
                                if (firstAt[0] == 0) {
                                    firstAt[0] = System.nanoTime();
                                }
                            }
                            redis.hincrBy(effectsKey, delivery.id(), 1);
                            handledBySurvivor.merge(delivery.id(), 1, Integer::sum);
                            deliveryCounts.add(delivery.attempt());
                        });
                await().atMost(Duration.ofSeconds(120)).until(() -> redis.hlen(effectsKey) == MESSAGES);
            }
            System.out.printf("survivor's first message %d ms after the kill; attempts seen %s%n",
                    Duration.ofNanos(firstAt[0] - killedAt).toMillis(), deliveryCounts);

            Map<String, String> effects = redis.hgetAll(effectsKey);
            assertThat(effects).hasSize(MESSAGES);
            assertThat(effects.values()).as("effects per message id").containsOnly("1");
            assertThat(handledBySurvivor).hasSize(MESSAGES - BLOCK_AFTER);
            assertThat(deliveryCounts).as("the victim's locked records come back with a delivery counted")
                    .contains(2);
            redis.del(effectsKey);
        }
    }
}
