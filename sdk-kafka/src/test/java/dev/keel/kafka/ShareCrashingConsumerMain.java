package dev.keel.kafka;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.SubscriptionConfig;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.ordering.Ordering;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import redis.clients.jedis.RedisClient;

/**
 * A share-group consumer process for {@link KafkaShareGroupCrashTest}, meant to be killed with kill -9: it handles
 * messages under EFFECTIVELY_ONCE (the effect: a counter per message id in a Redis hash) until it has handled
 * {@code blockAfter} of them; every further handler call blocks before its effect, so the process dies holding the
 * broker's locks on its batches and the claims on their ids.
 *
 * <p>Arguments: bootstrap servers, Redis URI, store key prefix, topic, group, effects hash key, blockAfter, lease
 * in milliseconds.
 */
public final class ShareCrashingConsumerMain {

    private ShareCrashingConsumerMain() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String redisUri = args[1];
        String storePrefix = args[2];
        String topic = args[3];
        String group = args[4];
        String effectsKey = args[5];
        int blockAfter = Integer.parseInt(args[6]);
        Duration lease = Duration.ofMillis(Long.parseLong(args[7]));

        RedisClient effects = RedisClient.create(URI.create(redisUri));
        RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().uri(redisUri)
                .keyPrefix(storePrefix).build());
        Keel keel = Keel.builder(new KafkaAdapter(KafkaTestSupport.config(bootstrap).build()))
                .idempotencyStore(store).build();
        Object lock = new Object();
        int[] handled = {0};
        CountDownLatch never = new CountDownLatch(1);
        keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8()).shareGroup(true)
                .ordering(Ordering.UNORDERED).guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE)
                .idempotencyPolicy(IdempotencyPolicy.custom().lease(lease).build()).build(), delivery -> {
                    boolean block;
                    synchronized (lock) {
                        block = handled[0] >= blockAfter;
                        if (!block) {
                            effects.hincrBy(effectsKey, delivery.id(), 1);
                            handled[0]++;
                        }
                    }
                    if (block) {
                        System.out.println("blocking on " + delivery.id());
                        never.await();
                    }
                });
        System.out.println("subscribed");
        never.await();
    }
}
