package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.core.Keel;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.InMemoryIdempotencyStore;
import dev.keel.micrometer.MicrometerMetrics;
import dev.keel.testkit.InMemoryBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A message's claim is taken when it arrives; if it then waits in its lane past half its lease
 * (behind a slow message of the same key), the engine renews it before running the handler, so
 * the completion is not lost and no other consumer could have taken the id meanwhile.
 */
class StaleClaimRenewalTest {

    @Test
    void aClaimThatAgedInItsLaneShouldBeRenewedBeforeTheHandlerRuns() throws Exception {
        MutableClock clock = new MutableClock();
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(clock);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InMemoryBroker broker = InMemoryBroker.create();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
        try (InMemoryBroker client = broker.connect();
             Keel keel = Keel.builder(client).idempotencyStore(store).clock(clock)
                     .metrics(new MicrometerMetrics(registry)).build()) {
            keel.ensureTopology(TopicSpec.builder("stale").partitions(1).group("g").build(),
                    TopicSpec.builder("stale.DLT").partitions(1).group("ops").build());
            keel.publisher().publishAll("stale", List.of(
                    Message.builder("slow".getBytes()).id("m1").key("k").build(),
                    Message.builder("next".getBytes()).id("m2").key("k").build()));
            keel.subscribe(SubscriptionConfig.builder("stale", "g", Codec.utf8())
                    .idempotencyPolicy(IdempotencyPolicy.custom().lease(Duration.ofSeconds(60)).build()).build(), d -> {
                if (d.id().equals("m1")) {
                    firstStarted.countDown();
                    releaseFirst.await(30, TimeUnit.SECONDS);
                }
                effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
            });
            assertThat(firstStarted.await(30, TimeUnit.SECONDS)).isTrue();
            clock.advance(Duration.ofSeconds(61)); // both claims have now expired in the store
            releaseFirst.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> effects.containsKey("m2"));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> registry.find("keel.handled").counter() != null
                            && registry.get("keel.handled").counter().count() == 2);
            assertThat(registry.get("keel.lease_lost").counter().count())
                    .as("only m1, whose handler itself outlived the lease, lost its claim; m2's was renewed")
                    .isEqualTo(1.0);
            assertThat(store.claim("g:stale", "m2", "a-later-delivery", Duration.ofSeconds(60)).status())
                    .as("m2 was marked done under its renewed claim").isEqualTo(dev.keel.dedup.ClaimResult.Status.DUPLICATE);
            assertThat(effects.get("m1")).hasValue(1);
            assertThat(effects.get("m2")).hasValue(1);
        } finally {
            store.close();
            broker.close();
        }
    }
}
