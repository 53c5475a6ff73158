package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.Lease;
import dev.keel.testkit.InMemoryBroker;
import dev.keel.testkit.StoredRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A handler still running on a partition a rebalance took away (it outlived the revoke timeout) is this member's
 * until it returns: when the member then closes, the close waits for it as for any running handler, within its close
 * timeout, and keeps renewing its claim meanwhile. Before, the revoke had taken it out of what the close waited for:
 * the close returned at once, the claim's renewals stopped, the lease ran out and the partition's new owner ran the
 * message a second time while the first run was still applying its effect.
 */
class RevokedHandlerAtCloseTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** A third of the default lease and more: each step makes the renewal due, and a step never outlasts the lease. */
    private static final Duration STEP = Duration.ofSeconds(4);

    @Test
    void aMemberClosedWhileARevokedHandlerRunsShouldWaitForItAndTheMessageTakeEffectOnce() throws Exception {
        MutableClock clock = new MutableClock();
        InMemoryIdempotencyStore data = new InMemoryIdempotencyStore(clock);
        ClaimLog store = new ClaimLog(data);
        InMemoryBroker broker = InMemoryBroker.create();
        Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
        Semaphore started = new Semaphore(0);
        Semaphore mayEnd = new Semaphore(0);
        try (Keel first = Keel.builder(broker.connect()).idempotencyStore(store).clock(clock).build();
             Keel second = Keel.builder(broker.connect()).idempotencyStore(store).clock(clock).build()) {
            first.ensureTopology(TopicSpec.builder("moving").partitions(2).group("g").build());
            List<Message> messages = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                messages.add(Message.builder(("m" + i).getBytes()).id("id-" + i).key("k" + i).build());
            }
            first.publisher().publishAll("moving", messages);
            // the second member to join takes partition 1 from the first
            Set<String> moved = broker.records("moving").stream().filter(r -> r.partition() == 1)
                    .map(StoredRecord::id).collect(Collectors.toSet());
            String slow = moved.iterator().next();

            Subscription firstOwner = first.subscribe(SubscriptionConfig.builder("moving", "g", Codec.utf8())
                    .revokeTimeout(Duration.ofMillis(100)).build(), d -> {
                        if (d.id().equals(slow)) {
                            started.release();
                            mayEnd.acquire();
                        }
                        effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
                    });
            assertThat(started.tryAcquire(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the slow handler runs").isTrue();
            String firstToken = tokenOf(store, slow);

            second.subscribe(SubscriptionConfig.builder("moving", "g", Codec.utf8()).build(),
                    d -> effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet());
            Set<String> others = moved.stream().filter(id -> !id.equals(slow)).collect(Collectors.toSet());
            await("the partition moved: its new owner handled the rest of it").atMost(PATIENCE)
                    .until(() -> others.stream().allMatch(effects::containsKey));

            CompletableFuture<Void> closing = firstOwner.closeAsync(Duration.ofSeconds(30)).toCompletableFuture();
            for (int step = 1; step <= 3; step++) {
                long renewals = renewalsOf(store, slow, firstToken);
                clock.advance(STEP);
                await("the slow handler's claim renewed while the close waits for it, " + STEP.multipliedBy(step)
                        + " in").atMost(PATIENCE).until(() -> renewalsOf(store, slow, firstToken) > renewals);
                assertThat(closing).as("the close waits for the handler still running").isNotDone();
            }
            assertThat(STEP.multipliedBy(3)).as("time the handler ran past").isGreaterThan(IdempotencyPolicy.DEFAULT_LEASE);

            mayEnd.release();
            closing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(data.claim("g:moving", slow, "a-later-delivery", IdempotencyPolicy.DEFAULT_LEASE).status())
                    .as("marked done by the run the close waited for").isEqualTo(ClaimResult.Status.DUPLICATE);
            clock.advance(STEP); // the new owner claims it again on its tick: a duplicate, skipped
            await().during(Duration.ofSeconds(1)).atMost(PATIENCE).until(() -> effects.get(slow).get() == 1);
            assertThat(effects.get(slow)).as("effects of the slow message").hasValue(1);
        } finally {
            mayEnd.release(10);
            broker.close();
        }
    }

    /** The token of the first claim of {@code id}: the first member's. */
    private static String tokenOf(ClaimLog store, String id) {
        return store.calls().stream().flatMap(List::stream).filter(l -> l.id().equals(id)).map(Lease::token)
                .findFirst().orElseThrow();
    }

    private static long renewalsOf(ClaimLog store, String id, String token) {
        return store.calls().stream().flatMap(List::stream)
                .filter(l -> l.id().equals(id) && l.token().equals(token)).count();
    }
}
