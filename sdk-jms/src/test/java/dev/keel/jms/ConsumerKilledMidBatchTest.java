package dev.keel.jms;

import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.ForkedJvm;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.RedisClient;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A consumer JVM of a group is killed with kill -9 while it holds claimed, unacknowledged messages;
 * the group's other member, in this process, takes over its keys. Under EFFECTIVELY_ONCE with the
 * Redis store every message has exactly one effect, each key's effects in publish order.
 */
@UsesBrokers({BrokerKind.ARTEMIS, BrokerKind.ACTIVEMQ, BrokerKind.REDIS})
class ConsumerKilledMidBatchTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int MESSAGES = 400;
    private static final int KEYS = 8;
    private static final int EFFECTS_BEFORE_KILL = 60;

    @ParameterizedTest
    @EnumSource(JmsLine.class)
    void killedConsumersWorkShouldBeFinishedByAnotherWithoutLossOrDuplicateEffects(JmsLine line) throws Exception {
        String topic = UniqueNames.of("jms-killed");
        String dedupPrefix = UniqueNames.of("dedup");
        String effects = UniqueNames.of("effects") + ":";
        String redisUri = Brokers.redis().uri();
        try (RedisClient redis = RedisClient.create(URI.create(redisUri));
             RedisIdempotencyStore inspector = store(redisUri, dedupPrefix);
             BrokerAdapter adapter = line.adapter();
             RedisIdempotencyStore store = store(redisUri, dedupPrefix);
             Keel survivor = Keel.builder(adapter).idempotencyStore(store).build()) {
            survivor.ensureTopology(TopicSpec.builder(topic).partitions(4).group("g").build());
            try (ForkedJvm doomed = ForkedJvm.builder(ForkedJmsConsumer.class).args(line.name(), line.url(),
                    redisUri, dedupPrefix, topic, effects, Integer.toString(EFFECTS_BEFORE_KILL)).start()) {
                doomed.awaitLineContaining("subscribed", WAIT);
                survivor.subscribe(ForkedJmsConsumer.subscription(topic),
                        d -> redis.rpush(effects + d.key(), d.payload()));
                Map<Integer, String> idOfSeq = publish(survivor, topic);
                doomed.awaitLineContaining("effect " + EFFECTS_BEFORE_KILL, WAIT);
                List<String> effected = effectedIds(redis, effects, idOfSeq);
                assertThat(effected.size()).isGreaterThanOrEqualTo(EFFECTS_BEFORE_KILL);
                // kill only once every effect so far is marked done: the forked member's others are blocked
                // before their effect
                await().atMost(WAIT).until(() -> effected.stream().allMatch(id -> inspector.claim("g:" + topic, id,
                        UUID.randomUUID().toString(), Duration.ofSeconds(1)).status() == ClaimResult.Status.DUPLICATE));
                assertThat(doomed.kill()).isEqualTo(137);
            }
            await().atMost(WAIT).until(() -> totalEffects(redis, effects) >= MESSAGES);
            for (int k = 0; k < KEYS; k++) {
                int key = k;
                List<String> expected = IntStream.range(0, MESSAGES).filter(i -> i % KEYS == key)
                        .mapToObj(Integer::toString).toList();
                assertThat(redis.lrange(effects + "key-" + k, 0, -1)).as("effects of key-%d", k)
                        .containsExactlyElementsOf(expected);
            }
        }
    }

    private static RedisIdempotencyStore store(String redisUri, String prefix) {
        return RedisIdempotencyStore.create(RedisStoreConfig.custom().uri(redisUri).keyPrefix(prefix).build());
    }

    private static Map<Integer, String> publish(Keel keel, String topic) throws Exception {
        List<CompletableFuture<PublishReceipt>> sent = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            sent.add(keel.publisher().publishAsync(topic, Message.builder(Integer.toString(i), Codec.utf8())
                    .key("key-" + (i % KEYS)).build()).toCompletableFuture());
        }
        Map<Integer, String> ids = new HashMap<>();
        for (int i = 0; i < MESSAGES; i++) {
            ids.put(i, sent.get(i).get(60, TimeUnit.SECONDS).messageId());
        }
        return ids;
    }

    private static List<String> effectedIds(RedisClient redis, String effects, Map<Integer, String> idOfSeq) {
        List<String> ids = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            redis.lrange(effects + "key-" + k, 0, -1).forEach(seq -> ids.add(idOfSeq.get(Integer.parseInt(seq))));
        }
        return ids;
    }

    private static long totalEffects(RedisClient redis, String effects) {
        long n = 0;
        for (int k = 0; k < KEYS; k++) {
            n += redis.llen(effects + "key-" + k);
        }
        return n;
    }
}
