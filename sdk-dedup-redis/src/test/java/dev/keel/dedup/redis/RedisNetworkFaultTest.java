package dev.keel.dedup.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.faults.FaultProxy;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.RedisEndpoint;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * The network between the consumer and Redis fails mid-stream under EFFECTIVELY_ONCE, through a TCP
 * fault proxy: connections reset, then a black hole (Redis stops answering), then replies lost after
 * Redis applied the command. Nothing is lost, no effect is applied twice, per-key order holds, and
 * consumption resumes each time the network heals.
 */
class RedisNetworkFaultTest {

    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    private static final int KEYS = 50;
    private static final int PER_KEY = 30;
    private static final int MESSAGES = KEYS * PER_KEY;
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Duration RESUME_PATIENCE = Duration.ofSeconds(20);

    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    private final Map<String, Integer> lastSeqPerKey = new ConcurrentHashMap<>();
    private final List<String> outOfOrder = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger handled = new AtomicInteger();
    private final AtomicInteger storeUnavailable = new AtomicInteger();

    @Test
    void networkCutsBlackHolesAndLostRepliesShouldNeitherLoseNorRepeatAnEffect() {
        RedisEndpoint redis = Brokers.redis();
        try (FaultProxy proxy = FaultProxy.to(redis.host(), redis.port());
             RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom()
                     .host(proxy.host()).port(proxy.port()).keyPrefix(UniqueNames.of("netfault"))
                     .connectTimeout(Duration.ofMillis(500)).socketTimeout(Duration.ofMillis(500)).build());
             InMemoryBroker broker = InMemoryBroker.create();
             Keel keel = Keel.builder(broker).idempotencyStore(store).metrics(counting()).build()) {
            keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(4).group(GROUP).build());
            List<Message> all = messages();
            int a = 2 * MESSAGES / 5;
            int b = 3 * MESSAGES / 5;
            keel.publisher().publishAll(TOPIC, all.subList(0, a));

            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).lanes(8).maxInFlight(64).build(), d -> {
                        effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
                        String[] keyAndSeq = d.payload().split(":");
                        Integer previous = lastSeqPerKey.put(keyAndSeq[0], Integer.parseInt(keyAndSeq[1]));
                        if (previous != null && previous >= Integer.parseInt(keyAndSeq[1])) {
                            outOfOrder.add(d.payload() + " after " + previous);
                        }
                        handled.incrementAndGet();
                    });

            awaitHandled(MESSAGES / 5);
            proxy.cut(); // mid-stream: every connection to Redis is reset
            awaitHandled(a);

            // Redis stops answering while new messages arrive: claims time out, the consumer pauses
            int before = storeUnavailable.get();
            proxy.blackHole(true);
            keel.publisher().publishAll(TOPIC, all.subList(a, b));
            await("the store is seen unavailable").atMost(PATIENCE).until(() -> storeUnavailable.get() > before);
            proxy.heal();
            awaitHandled(b);

            // Redis runs the commands of the next messages but their replies are lost
            int beforeDrops = storeUnavailable.get();
            proxy.dropReplies(true);
            keel.publisher().publishAll(TOPIC, all.subList(b, MESSAGES));
            await("a lost reply is seen").atMost(PATIENCE).until(() -> storeUnavailable.get() > beforeDrops);
            proxy.heal();
            proxy.cut(); // the connections that lost replies are out of step: the client drops them too

            // healed: a claim whose reply was lost must not hold its own retry for a whole lease (60 s)
            await("all %d messages handled soon after the network healed".formatted(MESSAGES))
                    .atMost(RESUME_PATIENCE).until(() -> effects.size() >= MESSAGES);
            subscription.close();
        }
        assertThat(effects).hasSize(MESSAGES);
        assertThat(effects.entrySet()).filteredOn(e -> e.getValue().get() != 1).as("ids applied more than once")
                .isEmpty();
        assertThat(outOfOrder).as("per-key order").isEmpty();
    }

    private void awaitHandled(int count) {
        IntSupplier distinct = effects::size;
        await("%d distinct messages handled".formatted(count)).atMost(PATIENCE)
                .until(() -> distinct.getAsInt() >= count);
    }

    private static List<Message> messages() {
        List<Message> messages = new ArrayList<>(MESSAGES);
        for (int seq = 0; seq < PER_KEY; seq++) {
            for (int k = 0; k < KEYS; k++) {
                String key = "k" + k;
                messages.add(Message.builder(key + ":" + seq, Codec.utf8()).id(key + "-" + seq).key(key).build());
            }
        }
        return messages;
    }

    private MetricsRecorder counting() {
        return new MetricsRecorder() {
            @Override
            public void count(MetricEvent event, String topic, String group) {
                if (event == MetricEvent.STORE_UNAVAILABLE) {
                    storeUnavailable.incrementAndGet();
                }
            }

            @Override
            public void handlerLatency(String topic, String group, Duration latency, boolean success) {
            }

            @Override
            public void inFlight(String topic, String group, IntSupplier inFlight) {
            }
        };
    }
}
