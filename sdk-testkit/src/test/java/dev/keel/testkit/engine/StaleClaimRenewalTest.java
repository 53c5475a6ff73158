package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.core.Keel;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.core.InMemoryIdempotencyStore;
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
 * A message's claim is taken when it arrives; while it then waits for its key (behind a slow message
 * of the same key) and while that slow message's handler runs, the heartbeat renews both claims, so
 * neither is lost however long the wait, and no other consumer can take either id meanwhile.
 */
class StaleClaimRenewalTest {

    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final Duration STEP = Duration.ofSeconds(25);

    @Test
    void claimsWaitingInTheirLaneOrRunningShouldBeRenewedForLongerThanTheLease() throws Exception {
        MutableClock clock = new MutableClock();
        InMemoryIdempotencyStore data = new InMemoryIdempotencyStore(clock);
        ClaimLog store = new ClaimLog(data);
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
                    .idempotencyPolicy(IdempotencyPolicy.custom().lease(LEASE).build()).build(), d -> {
                if (d.id().equals("m1")) {
                    firstStarted.countDown();
                    releaseFirst.await(30, TimeUnit.SECONDS);
                }
                effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
            });
            assertThat(firstStarted.await(30, TimeUnit.SECONDS)).isTrue();
            for (int step = 1; step <= 4; step++) { // 100 s: m1 runs and m2 waits for longer than the lease
                long m1Claims = store.claimsOf("m1");
                long m2Claims = store.claimsOf("m2");
                clock.advance(STEP);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> store.claimsOf("m1") > m1Claims && store.claimsOf("m2") > m2Claims);
                for (String id : List.of("m1", "m2")) {
                    assertThat(data.claim("g:stale", id, "another-consumer", LEASE).status())
                            .as("%s probed by another consumer after %s", id, STEP.multipliedBy(step))
                            .isEqualTo(ClaimResult.Status.BUSY);
                }
            }
            releaseFirst.countDown();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> registry.find("keel.handled").counter() != null
                            && registry.get("keel.handled").counter().count() == 2);
            assertThat(registry.find("keel.lease_lost").counter()).as("no claim was lost").isNull();
            assertThat(store.claim("g:stale", "m2", "a-later-delivery", LEASE).status())
                    .as("m2 was marked done under its renewed claim").isEqualTo(ClaimResult.Status.DUPLICATE);
            assertThat(effects.get("m1")).hasValue(1);
            assertThat(effects.get("m2")).hasValue(1);
        } finally {
            data.close();
            broker.close();
        }
    }
}
