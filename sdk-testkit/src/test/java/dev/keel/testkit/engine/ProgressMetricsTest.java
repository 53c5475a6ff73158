package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.Message;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.Keel;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.micrometer.MicrometerMetrics;
import dev.keel.testkit.InMemoryBroker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A subscription shows its progress through gauges: the messages it received and has not finished
 * ({@code keel.unacknowledged}), the ones waiting for an id another consumer holds
 * ({@code keel.busy_waiting}), and the lanes one message has held for longer than the stall
 * threshold ({@code keel.stalled_lanes}, with {@code keel.lane_stalled} counted once per episode).
 * The clock is injected: no test time passes for the stall.
 */
class ProgressMetricsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Duration LEASE = Duration.ofSeconds(60);

    @Test
    void unacknowledgedBusyWaitingAndStalledLanesShouldBeReportedWhileTheyLastAndClearAfter() throws Exception {
        MutableClock clock = new MutableClock();
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(clock);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InMemoryBroker broker = InMemoryBroker.create();
        CountDownLatch slowStarted = new CountDownLatch(1);
        CountDownLatch releaseSlow = new CountDownLatch(1);
        Set<String> handled = ConcurrentHashMap.newKeySet();
        // another consumer holds "held" for 20 s
        store.claimAll("g:progress", List.of(new Lease("held", "another-consumer")), Duration.ofSeconds(20));
        try (InMemoryBroker client = broker.connect();
             Keel keel = Keel.builder(client).idempotencyStore(store).clock(clock)
                     .metrics(new MicrometerMetrics(registry)).build()) {
            keel.ensureTopology(TopicSpec.builder("progress").partitions(1).group("g").build(),
                    TopicSpec.builder("progress.DLT").partitions(1).group("ops").build());
            keel.publisher().publishAll("progress", List.of(
                    // three keys on three different lanes of 4
                    Message.builder("slow".getBytes()).id("slow").key("slow-key").build(),
                    Message.builder("held".getBytes()).id("held").key("held-key").build(),
                    Message.builder("free".getBytes()).id("free").key("other-key").build()));
            keel.subscribe(SubscriptionConfig.builder("progress", "g", Codec.utf8()).lanes(4)
                    .idempotencyPolicy(IdempotencyPolicy.custom().lease(LEASE).build()).build(), d -> {
                if (d.id().equals("slow")) {
                    slowStarted.countDown();
                    releaseSlow.await(60, TimeUnit.SECONDS);
                }
                handled.add(d.id());
            });
            assertThat(slowStarted.await(30, TimeUnit.SECONDS)).isTrue();
            await("the held message waits, the free one is handled").atMost(PATIENCE)
                    .until(() -> gauge(registry, "keel.busy_waiting") == 1 && handled.contains("free"));
            assertThat(gauge(registry, "keel.unacknowledged")).as("slow and held").isEqualTo(2);
            assertThat(gauge(registry, "keel.stalled_lanes")).isZero();

            clock.advance(Duration.ofSeconds(25)); // the other consumer's claim expires
            await("the held message is claimed and handled").atMost(PATIENCE)
                    .until(() -> handled.contains("held") && gauge(registry, "keel.busy_waiting") == 0
                            && gauge(registry, "keel.unacknowledged") == 1);
            clock.advance(Duration.ofSeconds(10)); // the slow message has held its lane for 35 s
            await("the slow message's lane is reported stalled").atMost(PATIENCE)
                    .until(() -> gauge(registry, "keel.stalled_lanes") == 1 && count(registry, "keel.lane_stalled") == 1);

            releaseSlow.countDown();
            await("nothing is left unfinished and no lane stalls").atMost(PATIENCE)
                    .until(() -> handled.contains("slow") && gauge(registry, "keel.unacknowledged") == 0
                            && gauge(registry, "keel.stalled_lanes") == 0);
            assertThat(count(registry, "keel.lane_stalled")).as("one stall episode").isEqualTo(1);
            assertThat(count(registry, "keel.claim_busy")).isEqualTo(1);
        } finally {
            store.close();
            broker.close();
        }
    }

    private static double gauge(SimpleMeterRegistry registry, String name) {
        Gauge gauge = registry.find(name).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    private static double count(SimpleMeterRegistry registry, String name) {
        Counter counter = registry.find(name).counter();
        return counter == null ? 0 : counter.count();
    }
}
