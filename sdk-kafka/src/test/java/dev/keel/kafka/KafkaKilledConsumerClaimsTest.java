package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * A consumer JVM that took in hundreds of messages (each claimed in Redis) is killed with kill -9; a
 * successor with every default setting starts in the same group and handles all of them within 15 s of
 * the kill, although the dead consumer's claims were still live when it died: its claims expire within
 * the (short, renewed) default lease, and the successor claims its waiting messages again in batches
 * without letting them hold its lanes. Each effect happens once, except the documented crash window:
 * at most one repeated message per key, the one the dead consumer was handling.
 */
@UsesBrokers({BrokerKind.KAFKA, BrokerKind.REDIS})
class KafkaKilledConsumerClaimsTest {

    private static final int MESSAGES = 600;
    private static final int KEYS = 100;
    private static final int CLAIMS_BEFORE_KILL = 200;
    private static final int KEYS_BEFORE_KILL = 50;
    private static final Duration RECOVERY = Duration.ofSeconds(15);

    @Test
    void successorShouldHandleEveryClaimOfAKilledConsumerWithinFifteenSecondsOfTheKill() throws Exception {
        String bootstrap = Brokers.kafka().bootstrapServers();
        String redisUri = Brokers.redis().uri();
        String topic = KafkaTestSupport.unique("killed");
        String group = KafkaTestSupport.unique("group");
        String storePrefix = UniqueNames.of("dedup");
        String effectsKey = UniqueNames.keyPrefix("effects") + topic;
        RedisStoreConfig storeConfig = RedisStoreConfig.custom().uri(redisUri).keyPrefix(storePrefix).build();
        Map<String, String> keyOfId = new HashMap<>();
        for (int i = 0; i < MESSAGES; i++) {
            keyOfId.put("m-" + i, "k" + (i % KEYS));
        }
        List<String> ids = List.copyOf(keyOfId.keySet());
        String[] leaseKeys = ids.stream().map(id -> storePrefix + ":" + group + ":" + topic + ":" + id)
                .toArray(String[]::new);

        try (KafkaAdapter publishingAdapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
             Keel publishing = Keel.builder(publishingAdapter).withoutIdempotencyStore().build();
             RedisClient redis = RedisClient.create(URI.create(redisUri))) {
            publishing.ensureTopology(TopicSpec.builder(topic).partitions(4).build());
            List<CompletableFuture<?>> sends = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                sends.add(publishing.publisher().publishAsync(topic, Message.builder("m-" + i, Codec.utf8())
                        .id("m-" + i).key(keyOfId.get("m-" + i)).build()).toCompletableFuture());
            }
            sends.forEach(CompletableFuture::join);

            Set<String> midHandling;
            long killedAt;
            try (ForkedJvm victim = ForkedJvm.builder(ClaimHoldingConsumerMain.class)
                    .args(bootstrap, redisUri, storePrefix, topic, group, effectsKey)
                    .systemProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn")
                    .start()) {
                victim.awaitLineContaining("subscribed", Duration.ofSeconds(60));
                await("the victim holds claims on many messages of many keys, a handler blocked in each lane")
                        .atMost(Duration.ofSeconds(60)).until(() -> {
                            Set<String> held = processing(redis, ids, leaseKeys);
                            return held.size() >= CLAIMS_BEFORE_KILL
                                    && held.stream().map(keyOfId::get).distinct().count() >= KEYS_BEFORE_KILL
                                    && victim.lines().stream().filter(l -> l.startsWith("blocking on")).count()
                                    >= SubscriptionConfig.DEFAULT_LANES;
                        });
                assertThat(victim.kill()).isEqualTo(137);
                killedAt = System.nanoTime();
            }
            midHandling = Set.copyOf(redis.hkeys(effectsKey));
            Set<String> heldAtKill = processing(redis, ids, leaseKeys);
            assertThat(heldAtKill).as("claims the killed consumer left live").hasSizeGreaterThanOrEqualTo(
                    CLAIMS_BEFORE_KILL);
            assertThat(midHandling).as("messages whose effect the victim made, mid-handling").isNotEmpty();

            AtomicInteger successorCalls = new AtomicInteger();
            AtomicLong firstHandledAt = new AtomicLong();
            try (KafkaAdapter successorAdapter = new KafkaAdapter(KafkaTestSupport.config(bootstrap).build());
                 RedisIdempotencyStore successorStore = RedisIdempotencyStore.create(storeConfig);
                 Keel successor = Keel.builder(successorAdapter).idempotencyStore(successorStore).build()) {
                successor.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8()).build(), delivery -> {
                    redis.hincrBy(effectsKey, delivery.id(), 1);
                    successorCalls.incrementAndGet();
                    firstHandledAt.compareAndSet(0, System.nanoTime());
                });
                Duration left = RECOVERY.minusNanos(System.nanoTime() - killedAt);
                await("every message handled within " + RECOVERY + " of the kill").atMost(left)
                        .pollInterval(Duration.ofMillis(200))
                        .untilAsserted(() -> assertThat(redis.hlen(effectsKey)).as("messages handled").isEqualTo(
                                (long) MESSAGES));
                System.out.printf("all %d messages handled %d ms after the kill, the first %d ms after it (%d claims "
                        + "were live)%n", MESSAGES, (System.nanoTime() - killedAt) / 1_000_000,
                        (firstHandledAt.get() - killedAt) / 1_000_000, heldAtKill.size());
            }

            Map<String, String> effects = redis.hgetAll(effectsKey);
            assertThat(effects).hasSize(MESSAGES);
            Map<String, Integer> repeatedPerKey = new HashMap<>();
            effects.forEach((id, count) -> {
                if (!"1".equals(count)) {
                    assertThat(count).as("effects of %s", id).isEqualTo("2");
                    assertThat(midHandling).as("only a message the victim was handling is repeated").contains(id);
                    repeatedPerKey.merge(keyOfId.get(id), 1, Integer::sum);
                }
            });
            assertThat(repeatedPerKey.values()).as("at most one repeated message per key").allMatch(n -> n == 1);
            assertThat(successorCalls.get()).isEqualTo(MESSAGES - midHandling.size() + repeatedPerKey.size());
            redis.del(effectsKey);
        }
    }

    /** The ids whose key in the store holds a live claim (processing, not done). */
    private static Set<String> processing(RedisClient redis, List<String> ids, String[] leaseKeys) {
        List<String> values = redis.mget(leaseKeys);
        Set<String> held = new HashSet<>();
        for (int i = 0; i < ids.size(); i++) {
            String value = values.get(i);
            if (value != null && value.startsWith("p:")) {
                held.add(ids.get(i));
            }
        }
        return held;
    }
}
