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
import dev.keel.dedup.Lease;
import dev.keel.micrometer.MicrometerMetrics;
import dev.keel.testkit.InMemoryBroker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Messages whose id a dead consumer still holds (BUSY until its leases expire) wait off their lane:
 * with a single lane, every other key's messages are handled meanwhile, while each BUSY key's later
 * messages wait behind its first. The waiting messages are claimed again together, in one batch per
 * tick, so once the dead consumer's leases expire they are all handled, in order per key, and still no more of
 * them at once than the lanes (a waiting message's continuation holds no lane: the handler pool has as many threads).
 */
class BusyClaimWaitTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final int BUSY_KEYS = 20;
    private static final int PER_BUSY_KEY = 5;
    private static final int FREE = 50;

    @Test
    void busyMessagesShouldWaitOffTheirLaneAndBeClaimedAgainTogetherOnceTheDeadOwnersLeasesExpire() {
        MutableClock storeClock = new MutableClock();
        InMemoryIdempotencyStore data = new InMemoryIdempotencyStore(storeClock);
        ClaimLog store = new ClaimLog(data);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InMemoryBroker broker = InMemoryBroker.create();
        List<String> effects = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        List<Message> messages = new ArrayList<>();
        List<String> busyIds = new ArrayList<>();
        for (int i = 0; i < BUSY_KEYS * PER_BUSY_KEY; i++) {
            String id = "busy-" + i;
            busyIds.add(id);
            messages.add(Message.builder(id.getBytes()).id(id).key("busy-key-" + i % BUSY_KEYS).build());
            if (i < FREE) {
                messages.add(Message.builder(("free-" + i).getBytes()).id("free-" + i).key("free-key-" + i).build());
            }
        }
        // a consumer that died holding a claim on every busy id
        data.claimAll("g:busy", busyIds.stream().map(id -> new Lease(id, "dead-consumer")).toList(),
                IdempotencyPolicy.DEFAULT_LEASE);
        try (Keel keel = Keel.builder(broker.connect()).idempotencyStore(store)
                .metrics(new MicrometerMetrics(registry)).build()) {
            keel.ensureTopology(TopicSpec.builder("busy").partitions(1).group("g").build(),
                    TopicSpec.builder("busy.DLT").partitions(1).group("ops").build());
            keel.publisher().publishAll("busy", messages);
            keel.subscribe(SubscriptionConfig.builder("busy", "g", Codec.utf8()).lanes(1).build(), d -> {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                LockSupport.parkNanos(1_000_000); // a handler that takes a moment: two at once would overlap
                effects.add(d.id());
                running.decrementAndGet();
            });

            await("every other key's message handled on the one lane while the busy ones wait").atMost(PATIENCE)
                    .until(() -> effects.size() == FREE);
            assertThat(effects).allMatch(id -> id.startsWith("free-"));
            await().atMost(PATIENCE).until(() -> count(registry, "keel.claim_busy") == BUSY_KEYS);
            Set<String> firstOfEachKey = Set.copyOf(busyIds.subList(0, BUSY_KEYS));
            await("the first busy message of every key claimed again in one batch").atMost(PATIENCE)
                    .until(() -> store.calls().stream().anyMatch(call -> call.stream().map(Lease::id)
                            .collect(Collectors.toSet()).containsAll(firstOfEachKey)));

            storeClock.advance(IdempotencyPolicy.DEFAULT_LEASE.plusSeconds(1)); // the dead consumer's leases expire
            await("every busy message handled once the dead consumer's leases expired").atMost(Duration.ofSeconds(10))
                    .until(() -> effects.size() == messages.size());
        } finally {
            broker.close();
        }
        assertThat(Set.copyOf(effects)).hasSize(messages.size());
        assertThat(mostAtOnce).as("handlers at once with one lane, the busy messages' continuations included")
                .hasValue(1);
        for (int key = 0; key < BUSY_KEYS; key++) {
            int k = key;
            List<String> ofKey = IntStream.range(0, PER_BUSY_KEY).mapToObj(n -> "busy-" + (n * BUSY_KEYS + k)).toList();
            assertThat(effects.stream().filter(ofKey::contains).toList()).as("order of busy-key-%d", key)
                    .containsExactlyElementsOf(ofKey);
        }
        assertThat(data.claim("g:busy", "busy-0", "later", IdempotencyPolicy.DEFAULT_LEASE).status())
                .isEqualTo(ClaimResult.Status.DUPLICATE);
    }

    private static double count(SimpleMeterRegistry registry, String name) {
        Counter counter = registry.find(name).counter();
        return counter == null ? 0 : counter.count();
    }
}
