package dev.keel.kafka;

import dev.keel.Codec;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import redis.clients.jedis.RedisClient;

/**
 * A consumer process for {@link KafkaKilledConsumerClaimsTest}, meant to be killed with kill -9 while
 * it holds hundreds of claims: it subscribes with every default (EFFECTIVELY_ONCE, the default
 * {@code IdempotencyPolicy}, lanes and maxInFlight) and its handler records its effect (a counter per
 * message id in a Redis hash), then blocks for good. So each lane holds one message that is mid-handling
 * (its effect made, not marked done), and every other message it took in waits with its claim.
 *
 * <p>Arguments: bootstrap servers, Redis URI, store key prefix, topic, group, effects hash key.
 */
public final class ClaimHoldingConsumerMain {

    private ClaimHoldingConsumerMain() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String redisUri = args[1];
        String storePrefix = args[2];
        String topic = args[3];
        String group = args[4];
        String effectsKey = args[5];

        RedisClient effects = RedisClient.create(URI.create(redisUri));
        RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().uri(redisUri)
                .keyPrefix(storePrefix).build());
        Keel keel = Keel.builder(new KafkaAdapter(KafkaTestSupport.config(bootstrap).build()))
                .idempotencyStore(store).build();
        CountDownLatch never = new CountDownLatch(1);
        keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8()).build(), delivery -> {
            effects.hincrBy(effectsKey, delivery.id(), 1);
            System.out.println("blocking on " + delivery.id());
            never.await();
        });
        System.out.println("subscribed");
        never.await();
    }
}
