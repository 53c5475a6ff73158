package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.micrometer.MicrometerMetrics;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A subscription renews every claim it holds with a heartbeat (one batched same-token claim every
 * third of the lease), so a message may be handled and retried for longer than the lease without
 * another consumer taking it; and a message whose partition is revoked stops retrying at once,
 * gives its claim back and is not dead-lettered, so the partition's next owner runs it at once.
 */
class LeaseHeartbeatTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Duration LEASE = IdempotencyPolicy.DEFAULT_LEASE;
    private static final int ATTEMPTS = 5;
    /** The clock moves this much per attempt (its handling and the backoff after it): 5 x 4 s = twice the lease. */
    private static final Duration PER_ATTEMPT = Duration.ofSeconds(4);

    @Test
    void aMessageRetriedForLongerThanItsLeaseShouldKeepItsClaimAndTakeEffectOnce() throws Exception {
        MutableClock clock = new MutableClock();
        InMemoryIdempotencyStore data = new InMemoryIdempotencyStore(clock);
        ClaimLog store = new ClaimLog(data);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InMemoryBroker broker = InMemoryBroker.create();
        Semaphore attemptStarted = new Semaphore(0);
        Semaphore attemptMayEnd = new Semaphore(0);
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger effects = new AtomicInteger();
        try (Keel keel = Keel.builder(broker.connect()).idempotencyStore(store).clock(clock)
                .metrics(new MicrometerMetrics(registry)).build()) {
            keel.ensureTopology(TopicSpec.builder("long").partitions(1).group("g").build(),
                    TopicSpec.builder("long.DLT").partitions(1).group("ops").build());
            keel.publisher().publish("long", Message.builder("m".getBytes()).id("m1").key("k").build());
            keel.subscribe(SubscriptionConfig.builder("long", "g", Codec.utf8())
                    .retryPolicy(RetryPolicy.custom().maxAttempts(ATTEMPTS).initialBackoff(Duration.ofMillis(10))
                            .maxBackoff(Duration.ofMillis(10)).build()).build(), d -> {
                        int attempt = attempts.incrementAndGet();
                        attemptStarted.release();
                        attemptMayEnd.acquire();
                        if (attempt < ATTEMPTS) {
                            throw new IllegalStateException("attempt " + attempt + " fails");
                        }
                        effects.incrementAndGet();
                    });

            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                assertThat(attemptStarted.tryAcquire(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                        .as("attempt %d started", attempt).isTrue();
                long claimsBefore = store.claimsOf("m1");
                clock.advance(PER_ATTEMPT);
                await("renewal after " + attempt + " x " + PER_ATTEMPT).atMost(PATIENCE)
                        .until(() -> store.claimsOf("m1") > claimsBefore);
                assertThat(data.claim("g:long", "m1", "a-second-consumer", LEASE).status())
                        .as("a second consumer probing at %s into the retries", PER_ATTEMPT.multipliedBy(attempt))
                        .isEqualTo(ClaimResult.Status.BUSY);
                attemptMayEnd.release();
            }

            await().atMost(PATIENCE).until(() -> count(registry, "keel.handled") == 1);
            assertThat(PER_ATTEMPT.multipliedBy(ATTEMPTS)).as("time spent on the message").isGreaterThan(LEASE);
            assertThat(effects).hasValue(1);
            assertThat(attempts).hasValue(ATTEMPTS);
            assertThat(count(registry, "keel.lease_lost")).as("leases lost").isZero();
            assertThat(count(registry, "keel.dead_lettered")).isZero();
            assertThat(data.claim("g:long", "m1", "a-later-delivery", LEASE).status())
                    .as("marked done under the claim it kept").isEqualTo(ClaimResult.Status.DUPLICATE);
        } finally {
            broker.close();
        }
    }

    @Test
    void aRevokedMessageShouldStopRetryingReleaseItsClaimAndNotBeDeadLettered() {
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();
        InMemoryBroker broker = InMemoryBroker.create();
        Map<String, AtomicInteger> firstOwnerAttempts = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> secondOwnerEffects = new ConcurrentHashMap<>();
        try (Keel first = Keel.builder(broker.connect()).idempotencyStore(store).build();
             Keel second = Keel.builder(broker.connect()).idempotencyStore(store).build()) {
            first.ensureTopology(TopicSpec.builder("revoked").partitions(2).group("g").build(),
                    TopicSpec.builder("revoked.DLT").partitions(1).group("ops").build());
            List<Message> messages = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                messages.add(Message.builder(("m" + i).getBytes()).id("id-" + i).key("k" + i).build());
            }
            first.publisher().publishAll("revoked", messages);
            // the second member to join the group takes partition 1 from the first
            Set<String> movedIds = broker.records("revoked").stream().filter(r -> r.partition() == 1)
                    .map(StoredRecord::id).collect(Collectors.toSet());
            assertThat(movedIds).isNotEmpty();

            // the first owner fails every message of partition 1, with retries enough for minutes, and would
            // wait a whole minute for them when revoked
            first.subscribe(SubscriptionConfig.builder("revoked", "g", Codec.utf8()).revokeTimeout(Duration.ofMinutes(1))
                    .retryPolicy(RetryPolicy.custom().maxAttempts(10_000).initialBackoff(Duration.ofMillis(20))
                            .maxBackoff(Duration.ofMillis(200)).build()).build(), d -> {
                        if (movedIds.contains(d.id())) {
                            firstOwnerAttempts.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
                            throw new IllegalStateException("fails on the first owner");
                        }
                    });
            await("the first owner retries messages of partition 1 (as many as its lanes allow)").atMost(PATIENCE)
                    .until(() -> firstOwnerAttempts.values().stream().filter(n -> n.get() >= 2).count() >= 2);

            second.subscribe(SubscriptionConfig.builder("revoked", "g", Codec.utf8()).build(),
                    d -> secondOwnerEffects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet());
            await("the next owner handles them, well before a lease or the revoke timeout")
                    .atMost(Duration.ofSeconds(8)).until(() -> secondOwnerEffects.keySet().equals(movedIds));

            Map<String, Integer> attemptsAtHandover = snapshot(firstOwnerAttempts);
            await("the first owner retries them no more").during(Duration.ofSeconds(1)).atMost(PATIENCE)
                    .until(() -> snapshot(firstOwnerAttempts).equals(attemptsAtHandover));
            assertThat(secondOwnerEffects.values()).allSatisfy(n -> assertThat(n).hasValue(1));
            assertThat(broker.records("revoked.DLT")).as("dead letters of revoked messages").isEmpty();
        } finally {
            broker.close();
        }
    }

    private static Map<String, Integer> snapshot(Map<String, AtomicInteger> counts) {
        return counts.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
    }

    private static double count(SimpleMeterRegistry registry, String name) {
        Counter counter = registry.find(name).counter();
        return counter == null ? 0 : counter.count();
    }
}
