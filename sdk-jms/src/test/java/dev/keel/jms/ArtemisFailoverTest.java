package dev.keel.jms;

import dev.keel.Codec;
import dev.keel.Delivery;
import dev.keel.DeliveryGuarantee;
import dev.keel.KeelException;
import dev.keel.Message;
import dev.keel.PublisherConfig;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.redis.RedisIdempotencyStore;
import dev.keel.dedup.redis.RedisStoreConfig;
import dev.keel.ordering.Ordering;
import dev.keel.testbrokers.ArtemisPair;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testbrokers.UsesBrokers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An Artemis primary/backup pair with journal replication (the harness's {@link ArtemisPair}), the
 * adapter given both brokers in one URL ({@code (tcp://primary,tcp://backup)?ha=true&retryInterval=100}),
 * and the active broker killed ({@code kill -9}) mid-stream
 * while a keyed stream is published and consumed under {@code EFFECTIVELY_ONCE} with the Redis store.
 * The backup takes over with the replicated journal; publisher and consumer reconnect to it by
 * themselves; every publish cut by the failover fails with a retriable error and is published again
 * (as an application would); every message is handled, each effect once, each key in publish order.
 * Tagged {@code cluster}: runs with {@code -Pcluster} (docs/high-availability.md).
 */
@Tag("cluster")
@UsesBrokers(BrokerKind.REDIS)
// the stream first, on the pair as started: the primary active, so the failover is the primary's death
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ArtemisFailoverTest {

    private static final int MESSAGES = 300;
    private static final int KILL_AFTER = 100;
    private static final int KEYS = 6;
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    /**
     * How long Artemis's client waits, when a broker of the URL's list refuses a new connection, before it tries
     * the next: 2 s by default, which every new connection would wait while the broker listed first is dead.
     */
    private static final String RETRY_INTERVAL = "&retryInterval=100";
    /** How long the test, as an application, waits before publishing a failed message again. */
    private static final Duration REPUBLISH_PAUSE = Duration.ofMillis(200);

    private final ArtemisPair pair = ArtemisPair.local();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<KeelException> failures = new CopyOnWriteArrayList<>();
    private final Pauses confirms = new Pauses();

    @AfterEach
    void closeAndHeal() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        pair.heal();
    }

    /**
     * Two groups: {@code live} consumes throughout and reconnects to the backup; {@code late} subscribes only
     * after the failover, so every message confirmed before the kill reaches it from the backup's copy of the
     * journal (none of them had been consumed from its queue on the killed broker).
     */
    @Test
    @Order(1)
    void theActiveBrokerKilledMidStreamShouldLoseNoConfirmedMessageAndApplyEachOnceInKeyOrder() throws Exception {
        String topic = UniqueNames.of("jms-ha");
        Keel keel = keel();
        keel.ensureTopology(TopicSpec.builder(topic).partitions(4).group("live").group("late").build());
        HandledEffects live = subscribe(keel, topic, "live");
        ArtemisPair.Node killed = pair.active().orElseThrow();
        AtomicInteger confirmed = new AtomicInteger();
        CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> publish(keel, topic, confirmed));

        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10))
                .until(() -> confirmed.get() >= KILL_AFTER || stream.isDone());
        long killedAt = System.nanoTime();
        pair.kill(killed);
        int confirmedAtKill = confirmed.get();
        int handledAtKill = live.count();
        pair.awaitActive(killed.other(), PATIENCE);
        long tookOverMillis = millisSince(killedAt);
        HandledEffects late = subscribe(keel, topic, "late");
        stream.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        await().atMost(PATIENCE).until(() -> live.count() >= MESSAGES && late.count() >= MESSAGES);

        System.out.printf("Artemis pair, the %s killed after %d of %d publishes confirmed (%d handled by the live "
                + "group): the %s active %d ms after the kill; the longest pause between two confirms %d ms, between "
                + "two effects of the live group %d ms; %d publishes failed and were published again (%s); every "
                + "message handled by both groups %d ms after the kill%n", killed, confirmedAtKill, MESSAGES,
                handledAtKill, killed.other(), tookOverMillis, confirms.longestMillis(), live.longestPauseMillis(),
                failures.size(), distinct(failures), millisSince(killedAt));
        assertThat(confirmedAtKill).as("the broker was killed mid-stream").isLessThan(MESSAGES);
        assertThat(failures).as("publishes cut by the failover").isNotEmpty()
                .allSatisfy(e -> assertThat(e.isRetriable()).as("retriable: %s", e).isTrue());
        live.assertEachOnceInKeyOrder(MESSAGES, KEYS);
        late.assertEachOnceInKeyOrder(MESSAGES, KEYS);
    }

    /**
     * A client started while the broker listed first in its URL is down reaches the active one. After the
     * test above the backup is active (the restarted primary is its backup); run alone, the test kills the
     * primary first.
     */
    @Test
    @Order(2)
    void aNewClientShouldReachTheActiveBrokerWhenTheOneListedFirstIsDown() {
        if (pair.active().orElseThrow() == ArtemisPair.Node.PRIMARY) {
            pair.kill(ArtemisPair.Node.PRIMARY);
            pair.awaitActive(ArtemisPair.Node.BACKUP, PATIENCE);
        }
        String topic = UniqueNames.of("jms-ha-new");
        Keel keel = keel();
        keel.ensureTopology(TopicSpec.builder(topic).partitions(2).group("g").build());
        HandledEffects handled = subscribe(keel, topic, "g");
        for (int i = 0; i < 20; i++) {
            keel.publisher().publish(topic, message(topic, i, KEYS));
        }
        await().atMost(PATIENCE).until(() -> handled.count() >= 20);
        handled.assertEachOnceInKeyOrder(20, KEYS);
    }

    private HandledEffects subscribe(Keel keel, String topic, String group) {
        HandledEffects handled = new HandledEffects();
        keel.subscribe(SubscriptionConfig.builder(topic, group, Codec.utf8()).ordering(Ordering.PER_KEY).lanes(4)
                .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).build(), handled::apply);
        return handled;
    }

    /**
     * Publishes the stream one message at a time; a failed publish is published again with the same id
     * after a pause, until it is confirmed, before the next message: so each key's messages are confirmed
     * in order, and a message stored twice (its confirmation lost in the failover) is one effect.
     */
    private void publish(Keel keel, String topic, AtomicInteger confirmed) {
        for (int i = 0; i < MESSAGES; i++) {
            Message message = message(topic, i, KEYS);
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (true) {
                try {
                    keel.publisher().publish(topic, message);
                    break;
                } catch (KeelException e) {
                    failures.add(e);
                    if (!e.isRetriable() || System.nanoTime() > deadline) {
                        throw e;
                    }
                    LockSupport.parkNanos(REPUBLISH_PAUSE.toNanos());
                }
            }
            confirmed.incrementAndGet();
            confirms.tick();
        }
    }

    private static Message message(String topic, int i, int keys) {
        return Message.builder(Integer.toString(i), Codec.utf8()).id(topic + "-" + i).key("k-" + (i % keys)).build();
    }

    private Keel keel() {
        ArtemisAdapter adapter = new ArtemisAdapter(ArtemisConfig.custom().url(pair.url() + RETRY_INTERVAL).build());
        resources.add(adapter);
        RedisIdempotencyStore store = RedisIdempotencyStore.create(RedisStoreConfig.custom().uri(Brokers.redis().uri())
                .keyPrefix(UniqueNames.keyPrefix("jms-ha")).build());
        resources.add(store);
        // no retries inside the publisher: the test sees every failed publish and publishes it again itself
        Keel keel = Keel.builder(adapter).idempotencyStore(store).publisherConfig(PublisherConfig.custom()
                .maxAttempts(1).openDuration(Duration.ofSeconds(1)).build()).build();
        resources.add(keel);
        return keel;
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    /** The failures' distinct types and messages, digits as N. */
    private static List<String> distinct(List<KeelException> failures) {
        return failures.stream().map(e -> e.getClass().getSimpleName() + ": "
                + String.valueOf(e.getMessage()).replaceAll("[0-9]+", "N")).distinct().toList();
    }

    /** What a group's handler did: the effects per message id and the payloads per key, in the order handled. */
    private static final class HandledEffects {
        private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
        private final Map<String, List<Integer>> perKey = new ConcurrentHashMap<>();
        private final Pauses pauses = new Pauses();

        void apply(Delivery<String> delivery) {
            effects.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet();
            perKey.computeIfAbsent(delivery.key(), k -> new CopyOnWriteArrayList<>())
                    .add(Integer.parseInt(delivery.payload()));
            pauses.tick();
        }

        int count() {
            return effects.size();
        }

        long longestPauseMillis() {
            return pauses.longestMillis();
        }

        /** Messages 0 to {@code messages - 1}, message i of key {@code k-(i % keys)}: each applied once, in order. */
        void assertEachOnceInKeyOrder(int messages, int keys) {
            assertThat(effects).as("messages handled").hasSize(messages);
            assertThat(effects.values()).as("effects of one message").allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
            for (int k = 0; k < keys; k++) {
                int key = k;
                assertThat(perKey.get("k-" + k)).as("key k-%d in publish order", k)
                        .isEqualTo(IntStream.range(0, messages).filter(i -> i % keys == key).boxed().toList());
            }
        }
    }

    /** The longest time between two successive events. */
    private static final class Pauses {
        private final AtomicLong last = new AtomicLong();
        private final AtomicLong longest = new AtomicLong();

        void tick() {
            long now = System.nanoTime();
            long previous = last.getAndSet(now);
            if (previous != 0) {
                longest.accumulateAndGet(now - previous, Math::max);
            }
        }

        long longestMillis() {
            return longest.get() / 1_000_000;
        }
    }
}
