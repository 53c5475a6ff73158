package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.testkit.FaultyIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A message whose claim was prefetched waits for its lane while the store is unreachable (its renewals fail), its
 * lease runs out in the store and another consumer takes the id; then the host clock steps back. When the lane frees,
 * the claim looks requested in the future, "younger than half the lease": before, the message ran on it at once, beside
 * the other consumer (a second effect). A claim that looks requested later than now is asked again before its message
 * runs (a read-only review's find).
 */
class ClockSteppedBackWhileWaitingTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "stepped-back";
    private static final String NAMESPACE = "g:" + TOPIC;

    private final MutableClock keelClock = new MutableClock();
    private final MutableClock storeClock = new MutableClock();
    private final InMemoryIdempotencyStore data = new InMemoryIdempotencyStore(storeClock);
    private final ClaimLog log = new ClaimLog(data);
    private final FaultyIdempotencyStore store = new FaultyIdempotencyStore(log);
    private final InMemoryBroker broker = InMemoryBroker.create();
    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    private final AtomicReference<String> first = new AtomicReference<>();
    private final Semaphore firstRuns = new Semaphore(0);
    private final Semaphore firstMayEnd = new Semaphore(0);

    @AfterEach
    void close() {
        firstMayEnd.release(10);
        broker.close();
    }

    @Test
    void aWaitingClaimThatLooksRequestedInTheFutureShouldBeAskedAgainBeforeItsMessageRuns() throws Exception {
        try (Keel keel = Keel.builder(broker.connect()).idempotencyStore(store).clock(keelClock).build()) {
            keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group("g").build());
            keel.publisher().publishAll(TOPIC, List.of(
                    Message.builder("a".getBytes()).id("m1").key("k1").build(),
                    Message.builder("b".getBytes()).id("m2").key("k2").build()));
            keel.subscribe(SubscriptionConfig.builder(TOPIC, "g", Codec.utf8()).lanes(1).build(), d -> {
                if (first.compareAndSet(null, d.id())) {
                    firstRuns.release();
                    firstMayEnd.acquire();
                }
                effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
            });
            assertThat(firstRuns.tryAcquire(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("one runs").isTrue();
            String waiting = first.get().equals("m1") ? "m2" : "m1";
            await(waiting + "'s claim in the store").atMost(PATIENCE).until(() -> log.answered(waiting));

            store.down(); // renewals fail from now on
            storeClock.advance(IdempotencyPolicy.DEFAULT_LEASE.plusSeconds(1)); // its lease ran out in the store
            assertThat(data.claim(NAMESPACE, waiting, "another-consumer", IdempotencyPolicy.DEFAULT_LEASE).isClaimed())
                    .as("the id taken by another consumer").isTrue();
            keelClock.advance(Duration.ofMinutes(-1)); // the host clock steps back
            firstMayEnd.release();

            await(waiting + " not run on its lost claim").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
                    .until(() -> !effects.containsKey(waiting));
            store.up();
            await(waiting + " waits for the other consumer").during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(10)).until(() -> !effects.containsKey(waiting));
        }
    }
}
