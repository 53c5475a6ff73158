package dev.keel.jms;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.ordering.Ordering;
import redis.clients.jedis.RedisClient;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A consumer process for {@link ConsumerKilledMidBatchTest}, on either ActiveMQ line: subscribes to a topic as group {@code g}
 * under EFFECTIVELY_ONCE and, per message, appends the payload to the Redis list
 * {@code <effects><key>} (its side effect). After {@code permits} effects every further handler
 * blocks before its effect, so the test can kill this JVM with messages claimed, in flight and
 * unacknowledged. Prints {@code subscribed} and then {@code effect <n>} per effect.
 *
 * <p>Arguments: the {@link JmsLine}, its broker's URL, redis URI, dedup key prefix, topic, effects key prefix,
 * permits.
 */
public final class ForkedJmsConsumer {

    static final Duration LEASE = Duration.ofSeconds(3);

    private ForkedJmsConsumer() {
    }

    public static void main(String[] args) throws Exception {
        JmsLine line = JmsLine.valueOf(args[0]);
        String brokerUrl = args[1];
        String redisUri = args[2];
        String dedupPrefix = args[3];
        String topic = args[4];
        String effects = args[5];
        Semaphore permits = new Semaphore(Integer.parseInt(args[6]));
        AtomicInteger done = new AtomicInteger();
        CountDownLatch never = new CountDownLatch(1);
        RedisClient redis = RedisClient.create(URI.create(redisUri));
        RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().uri(redisUri)
                .keyPrefix(dedupPrefix).build());
        Keel keel = Keel.builder(line.adapter(brokerUrl))
                .idempotencyStore(store).build();
        keel.subscribe(subscription(topic), d -> {
            if (!permits.tryAcquire()) {
                never.await(); // blocked before the effect, until the JVM is killed
            }
            redis.rpush(effects + d.key(), d.payload());
            System.out.println("effect " + done.incrementAndGet());
        });
        System.out.println("subscribed");
        never.await();
    }

    static SubscriptionConfig<String> subscription(String topic) {
        return SubscriptionConfig.builder(topic, "g", Codec.utf8()).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                .ordering(Ordering.PER_KEY).lanes(8).maxInFlight(64)
                .idempotencyPolicy(IdempotencyPolicy.custom().lease(LEASE).build()).build();
    }
}
