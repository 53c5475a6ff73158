package dev.keel.rabbit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublishReceipt;
import dev.keel.Publisher;
import dev.keel.PublisherConfig;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.faults.FaultProxy;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.UsesBrokers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network between Keel and RabbitMQ fails while messages are published and consumed under
 * EFFECTIVELY_ONCE with the Redis store: the adapter's publishing and consuming connections go
 * through a TCP fault proxy, which first resets them, then black-holes them until the client notices,
 * then heals. Handlers are held running across each fault, so their acks are lost and their messages
 * come again. Every confirmed message has its effect exactly once, nothing is applied twice, per-key
 * order holds, failed publishes fail with retriable errors, and both publishing and consuming resume
 * soon after each fault by the adapter's own reconnection.
 */
@UsesBrokers({BrokerKind.RABBIT, BrokerKind.REDIS})
class RabbitNetworkFaultTest {

    private static final Logger LOG = LoggerFactory.getLogger(RabbitNetworkFaultTest.class);
    private static final String GROUP = "g";
    private static final int KEYS = 40;
    private static final int PROGRESS = 200;
    private static final int HELD = 4;
    private static final Duration FAILED_ROUND_PAUSE = Duration.ofMillis(20);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Duration RESUME_PATIENCE = Duration.ofSeconds(20);

    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    private final Map<String, Integer> lastSeqPerKey = new ConcurrentHashMap<>();
    private final List<String> outOfOrder = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> published = ConcurrentHashMap.newKeySet();
    private final Set<String> confirmed = ConcurrentHashMap.newKeySet();
    private final Map<String, Throwable> publishFailures = new ConcurrentHashMap<>();
    private final Map<MetricEvent, AtomicInteger> events = new ConcurrentHashMap<>();
    private final AtomicBoolean publishing = new AtomicBoolean(true);
    private final AtomicInteger held = new AtomicInteger();
    private volatile CountDownLatch gate = new CountDownLatch(0);

    @Test
    void connectionCutAndBlackHoleShouldNeitherLoseAConfirmedMessageNorRepeatAnEffect() throws Exception {
        RabbitEndpoint rabbit = Brokers.rabbit();
        String topic = RabbitTestSupport.unique("netfault");
        try (FaultProxy proxy = FaultProxy.to(rabbit.host(), rabbit.port());
             RedisIdempotencyStore store = RabbitTestSupport.redisStore(RabbitTestSupport.unique("dedup"));
             RabbitAdapter adapter = new RabbitAdapter(throughProxy(rabbit, proxy));
             Keel keel = Keel.builder(adapter).idempotencyStore(store).metrics(counting())
                     .publisherConfig(PublisherConfig.custom().timeout(Duration.ofSeconds(10))
                             .openDuration(Duration.ofSeconds(1)).build()).build()) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(4).group(GROUP).build());
            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, GROUP, Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).lanes(8).maxInFlight(64).build(),
                    d -> handle(d.id(), d.payload()));
            Thread publisher = new Thread(() -> publishRounds(keel.publisher(), topic), "netfault-publisher");
            publisher.start();
            try {
                awaitProgress("messages confirmed and handled before any fault", PATIENCE);

                // handlers are running when the connections reset: their acks belong to the lost channels
                holdHandlers();
                proxy.cut();
                releaseHandlers();
                awaitProgress("publishing and consuming resumed after the connections were reset", RESUME_PATIENCE);

                int failedBefore = count(MetricEvent.PUBLISH_FAILED);
                holdHandlers();
                proxy.blackHole(true);
                releaseHandlers(); // their acks go into the black hole
                await("a publish failed: the client noticed the black hole").atMost(PATIENCE)
                        .until(() -> count(MetricEvent.PUBLISH_FAILED) > failedBefore);
                proxy.heal();
                awaitProgress("publishing and consuming resumed after the black hole healed", RESUME_PATIENCE);
            } finally {
                proxy.heal();
                publishing.set(false);
                releaseHandlers();
                publisher.join(PATIENCE.toMillis());
            }
            assertThat(publisher.isAlive()).as("publisher stopped").isFalse();
            await("every confirmed message handled").atMost(RESUME_PATIENCE)
                    .until(() -> effects.keySet().containsAll(confirmed));
            subscription.close();
        }
        LOG.info("published {}, confirmed {}, failed {}, handled {}, duplicates skipped {}, store unavailable {}",
                published.size(), confirmed.size(), publishFailures.size(), effects.size(),
                count(MetricEvent.DUPLICATE_SKIPPED), count(MetricEvent.STORE_UNAVAILABLE));
        assertThat(publishFailures.values()).as("publishes that failed during the faults").isNotEmpty()
                .allSatisfy(e -> assertThat(e).isInstanceOf(KeelException.class)
                        .matches(k -> ((KeelException) k).isRetriable(), "retriable"));
        assertThat(effects.keySet()).as("every confirmed message handled").containsAll(confirmed)
                .as("only published messages handled").isSubsetOf(published);
        assertThat(effects.entrySet()).filteredOn(e -> e.getValue().get() != 1).as("ids applied more than once")
                .isEmpty();
        assertThat(outOfOrder).as("per-key order").isEmpty();
    }

    private RabbitConfig throughProxy(RabbitEndpoint rabbit, FaultProxy proxy) {
        return RabbitConfig.custom().host(proxy.host()).port(proxy.port()).virtualHost(rabbit.virtualHost())
                .username(rabbit.username()).password(rabbit.password()).connectionName("keel-netfault")
                .heartbeat(Duration.ofSeconds(1)).connectionTimeout(Duration.ofSeconds(2))
                .recoveryInterval(Duration.ofMillis(500)).maxBlock(Duration.ofSeconds(5)).build();
    }

    /**
     * Publishes round after round, one message per key per round: a key's next message goes only once
     * its previous one was confirmed or failed for good, so the order of a key's messages on the broker
     * is their sequence order whatever the engine retried.
     */
    private void publishRounds(Publisher publisher, String topic) {
        for (int seq = 0; publishing.get(); seq++) {
            List<CompletableFuture<PublishReceipt>> round = new ArrayList<>(KEYS);
            for (int k = 0; k < KEYS; k++) {
                String key = "k" + k;
                String id = key + "-" + seq;
                published.add(id);
                round.add(publisher.publishAsync(topic, Message.builder(key + ":" + seq, Codec.utf8()).id(id).key(key)
                        .build()).toCompletableFuture().whenComplete((receipt, error) -> {
                            if (error == null) {
                                confirmed.add(id);
                            } else {
                                publishFailures.put(id, error instanceof CompletionException c ? c.getCause() : error);
                            }
                        }));
            }
            CompletableFuture<Void> all = CompletableFuture.allOf(round.toArray(CompletableFuture[]::new));
            all.exceptionally(e -> null).join();
            if (all.isCompletedExceptionally()) {
                pause(); // back off as an application would while publishes fail fast (not for correctness)
            }
        }
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(FAILED_ROUND_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops handlers on entry until {@link #releaseHandlers()}; returns once several are held in flight. */
    private void holdHandlers() {
        gate = new CountDownLatch(1);
        int before = held.get();
        await("handlers held in flight").atMost(PATIENCE).until(() -> held.get() >= before + HELD);
    }

    private void releaseHandlers() {
        gate.countDown();
    }

    private void handle(String id, String payload) throws InterruptedException {
        CountDownLatch g = gate;
        if (g.getCount() > 0) {
            held.incrementAndGet();
            assertThat(g.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("handlers released").isTrue();
        }
        effects.computeIfAbsent(id, i -> new AtomicInteger()).incrementAndGet();
        String[] keyAndSeq = payload.split(":");
        int seq = Integer.parseInt(keyAndSeq[1]);
        Integer previous = lastSeqPerKey.put(keyAndSeq[0], seq);
        if (previous != null && previous >= seq) {
            Throwable failure = publishFailures.get(id);
            outOfOrder.add(payload + " after " + previous + (failure == null ? " (confirmed)"
                    : " (its publish failed: " + failure + ")"));
        }
    }

    /** Waits until {@link #PROGRESS} more messages were confirmed and as many more handled. */
    private void awaitProgress(String what, Duration patience) {
        int confirmedBefore = confirmed.size();
        int handledBefore = effects.size();
        await(what).atMost(patience).until(() -> confirmed.size() >= confirmedBefore + PROGRESS
                && effects.size() >= handledBefore + PROGRESS);
    }

    private int count(MetricEvent event) {
        AtomicInteger n = events.get(event);
        return n == null ? 0 : n.get();
    }

    private MetricsRecorder counting() {
        return new MetricsRecorder() {
            @Override
            public void count(MetricEvent event, String topic, String group) {
                events.computeIfAbsent(event, e -> new AtomicInteger()).incrementAndGet();
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
