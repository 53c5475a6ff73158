package dev.keel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.faults.FaultProxy;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.KafkaEndpoint;
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
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network between Keel and Kafka fails while messages are published and consumed under
 * EFFECTIVELY_ONCE with the Redis store. Every connection of the adapter's clients goes through a TCP
 * fault proxy (the harness's Kafka advertises a listener at the proxy's address, so the connections to
 * the partition leader and the group coordinator pass through it too): the proxy first resets them,
 * then black-holes them until the producer has given up on a publish and the broker has dropped the
 * consumer from its group (its session expired), then heals. Handlers are held running across each
 * fault, so their commits are lost and, after the group moved on, their records come again. Every
 * confirmed message has its effect exactly once, nothing is applied twice, per-key order holds, failed
 * publishes fail with retriable errors, and publishing and consuming resume soon after each fault.
 */
@UsesBrokers({BrokerKind.KAFKA, BrokerKind.REDIS})
class KafkaNetworkFaultTest {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaNetworkFaultTest.class);
    private static final int KEYS = 40;
    private static final int PROGRESS = 200;
    private static final int HELD = 4;
    private static final Duration FAILED_ROUND_PAUSE = Duration.ofMillis(20);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Duration RESUME_PATIENCE = Duration.ofSeconds(30);

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
        KafkaEndpoint kafka = Brokers.kafka();
        assumeTrue(kafka.hasProxiedListener(), "this Kafka (" + kafka.origin() + ") has no listener advertised"
                + " through a fault proxy: only the harness's local Kafka has one (run with KEEL_BROKERS=local and"
                + " without KEEL_KAFKA_BOOTSTRAP)");
        FaultProxy proxy = kafka.proxy();
        String topic = KafkaTestSupport.unique("netfault");
        String group = KafkaTestSupport.unique("group");
        try (RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom()
                     .uri(Brokers.redis().uri()).keyPrefix(KafkaTestSupport.unique("dedup")).build());
             KafkaAdapter adapter = new KafkaAdapter(KafkaTestSupport.config(kafka.proxiedBootstrapServers())
                     .requestTimeout(Duration.ofSeconds(3)).deliveryTimeout(Duration.ofSeconds(4)).build());
             Keel keel = Keel.builder(adapter).idempotencyStore(store).metrics(counting())
                     .publisherConfig(PublisherConfig.custom().timeout(Duration.ofSeconds(10))
                             .openDuration(Duration.ofSeconds(1)).build()).build();
             Admin direct = KafkaTestSupport.admin(kafka.bootstrapServers())) {
            keel.ensureTopology(TopicSpec.builder(topic).partitions(4).build());
            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).lanes(8).maxInFlight(64).build(),
                    d -> handle(d.id(), d.payload()));
            Thread publisher = new Thread(() -> publishRounds(keel.publisher(), topic), "netfault-publisher");
            publisher.start();
            try {
                awaitProgress("messages confirmed and handled before any fault", PATIENCE);

                holdHandlers();
                proxy.cut();
                releaseHandlers();
                awaitProgress("publishing and consuming resumed after the connections were reset", RESUME_PATIENCE);

                int failedBefore = count(MetricEvent.PUBLISH_FAILED);
                holdHandlers();
                proxy.blackHole(true);
                releaseHandlers(); // their commits go into the black hole
                await("a publish failed and the broker dropped the consumer from its group: the clients noticed")
                        .atMost(PATIENCE).until(() -> count(MetricEvent.PUBLISH_FAILED) > failedBefore
                                && members(direct, group) == 0);
                proxy.heal();
                awaitProgress("publishing and consuming resumed after the black hole healed", RESUME_PATIENCE);
            } finally {
                proxy.heal(); // the proxy is shared by the tests of this JVM
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

    /** Members of the group as the broker sees them, asked past the proxy. */
    private static int members(Admin direct, String group) throws Exception {
        return direct.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group).members()
                .size();
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
