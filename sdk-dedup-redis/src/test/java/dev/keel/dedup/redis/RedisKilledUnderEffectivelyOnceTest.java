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
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.RedisEndpoint;
import dev.keel.testbrokers.UniqueNames;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * Redis killed with kill -9 in the middle of an EFFECTIVELY_ONCE stream on the in-memory broker: no
 * handler runs without a claim, nothing is acknowledged while Redis is down, consumption resumes once
 * it is back, and every message has its effect exactly once. Once with the harness's Redis, which comes
 * back empty; once with a Redis that keeps its keys (append-only file, fsync always), which then still
 * recognises messages done before the kill when they are published again.
 */
class RedisKilledUnderEffectivelyOnceTest {

    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    private static final int MESSAGES = 300;
    private static final int BEFORE_KILL = 100;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    private final AtomicInteger handled = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> unclaimedRuns = new ConcurrentLinkedQueue<>();

    @Test
    void redisKilledMidStreamShouldPauseConsumptionAndResumeWithoutLossOrDuplicateEffect() {
        RedisEndpoint redis = Brokers.redis();
        runKilledMidStream(redis.uri(), redis::kill, redis::restart, false);
    }

    @Test
    void persistentRedisKilledMidStreamShouldStillRecogniseDuplicatesOfWhatWasDoneBefore() {
        try (RedisServerProcess redis = RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always")) {
            runKilledMidStream("redis://" + redis.hostPort(), redis::kill, redis::restart, true);
        }
    }

    /**
     * Publishes the stream, lets {@value #BEFORE_KILL} handlers run, kills Redis, checks that handling and
     * acknowledging stop, restarts it and checks every message took effect once. With {@code persistent}
     * (done marks survive the restart) the first messages are then published again and must be skipped.
     */
    private void runKilledMidStream(String uri, Runnable kill, Runnable restart, boolean persistent) {
        RedisStoreConfig config = RedisStoreConfig.custom().uri(uri).keyPrefix(UniqueNames.of("fault"))
                .connectTimeout(Duration.ofMillis(500)).socketTimeout(Duration.ofMillis(500)).build();
        Semaphore gate = new Semaphore(BEFORE_KILL);

        try (InMemoryBroker broker = InMemoryBroker.create();
             ClaimRecordingStore store = new ClaimRecordingStore(RedisIdempotencyStore.create(config));
             Keel keel = Keel.builder(broker).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(4).group(GROUP).build());
            keel.publisher().publishAll(TOPIC, messages(MESSAGES));

            Subscription subscription = keel.subscribe(SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).lanes(4).maxInFlight(64)
                    .idempotencyPolicy(IdempotencyPolicy.custom().lease(Duration.ofSeconds(30))
                            .storeRetryInterval(Duration.ofMillis(200)).build()).build(), delivery -> {
                        gate.acquire();
                        if (store.claimsOf(delivery.id()) <= effectsOf(delivery.id())) {
                            unclaimedRuns.add(delivery.id());
                        }
                        effects.computeIfAbsent(delivery.id(), id -> new AtomicInteger()).incrementAndGet();
                        handled.incrementAndGet();
                    });

            await("the first " + BEFORE_KILL + " handler runs").atMost(PATIENCE).until(() -> handled.get() == BEFORE_KILL);
            kill.run();
            gate.release(10 * MESSAGES);

            // what was claimed before the kill may still run (unless its lane waits on a completion); then nothing more
            await("the store to be found down").atMost(PATIENCE).until(() -> store.unavailableCalls() > 0);
            awaitQuiet(() -> handled.get() + committed(broker), Duration.ofSeconds(1));
            int handledWhileDown = handled.get();
            long committedWhileDown = committed(broker);
            long failuresAtSnapshot = store.unavailableCalls();
            await("consumption to stay paused while Redis is down").during(Duration.ofSeconds(3)).atMost(PATIENCE)
                    .until(() -> handled.get() == handledWhileDown && committed(broker) == committedWhileDown);
            assertThat(store.unavailableCalls()).as("the engine kept trying the store").isGreaterThan(failuresAtSnapshot);
            assertThat(handledWhileDown).as("Redis died mid-stream").isLessThan(MESSAGES);
            assertThat(committedWhileDown).isLessThan(MESSAGES);

            restart.run();

            await("every message handled after Redis returned").atMost(PATIENCE).until(() -> effects.size() == MESSAGES);
            await("every message acknowledged").atMost(PATIENCE).until(() -> committed(broker) == MESSAGES);
            if (persistent) {
                keel.publisher().publishAll(TOPIC, messages(BEFORE_KILL));
                await("the re-published duplicates acknowledged").atMost(PATIENCE)
                        .until(() -> committed(broker) == MESSAGES + BEFORE_KILL);
            }
            subscription.close();
        }

        assertThat(unclaimedRuns).as("handler runs without a claim").isEmpty();
        assertThat(effects).hasSize(MESSAGES);
        assertThat(effects.values()).allSatisfy(n -> assertThat(n.get()).as("effects of one message").isEqualTo(1));
    }

    /** Awaits a moment after which {@code value} has not changed for {@code quiet}. */
    private static void awaitQuiet(LongSupplier value, Duration quiet) {
        AtomicLong last = new AtomicLong(value.getAsLong());
        AtomicLong changedAt = new AtomicLong(System.nanoTime());
        await("handling to settle").atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
            long now = value.getAsLong();
            if (now != last.getAndSet(now)) {
                changedAt.set(System.nanoTime());
            }
            return System.nanoTime() - changedAt.get() >= quiet.toNanos();
        });
    }

    private int effectsOf(String id) {
        AtomicInteger n = effects.get(id);
        return n == null ? 0 : n.get();
    }

    private static long committed(InMemoryBroker broker) {
        return broker.committedOffsets(TOPIC, GROUP).values().stream().mapToLong(Long::longValue).sum();
    }

    private static List<Message> messages(int count) {
        List<Message> messages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            messages.add(Message.builder("order " + i, Codec.utf8()).id("order-" + i + ":created").key("customer-" + i % 16)
                    .build());
        }
        return messages;
    }
}
