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
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.testkit.FaultyIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * The store is unreachable after a handler's effect for longer than the lease (renewals fail too), so
 * the claim expires before the id is marked done. When the store returns, the completion finds its
 * lease lost; the id must still end up done (claimed again with the same token, then completed), so
 * a later duplicate of the message is skipped instead of taking effect a second time.
 * {@code keel verify --faults all} found this: "applied 2 times (marking it done found its lease
 * expired: LEASE_LOST)".
 */
class LeaseLostBeforeDoneTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void anIdWhoseLeaseExpiredBeforeItWasMarkedDoneShouldStillBeDoneSoItsDuplicateIsSkipped() {
        MutableClock clock = new MutableClock();
        FaultyIdempotencyStore store = new FaultyIdempotencyStore(new InMemoryIdempotencyStore(clock));
        AtomicInteger effects = new AtomicInteger();
        AtomicInteger duplicatesSkipped = new AtomicInteger();
        AtomicInteger leasesLost = new AtomicInteger();
        IdempotencyPolicy policy = IdempotencyPolicy.ofDefaults();
        try (InMemoryBroker broker = InMemoryBroker.create();
             Keel keel = Keel.builder(broker).idempotencyStore(store).clock(clock)
                     .metrics(counting(duplicatesSkipped, leasesLost)).build()) {
            keel.ensureTopology(TopicSpec.builder("orders").partitions(1).group("g").build());
            keel.subscribe(SubscriptionConfig.builder("orders", "g", Codec.utf8()).idempotencyPolicy(policy).build(),
                    d -> effects.incrementAndGet());

            store.failCompletions();
            keel.publisher().publish("orders", Message.builder("m".getBytes()).id("m1").key("k").build());
            await().atMost(PATIENCE).until(() -> effects.get() == 1);
            store.down(); // renewals fail too
            clock.advance(policy.lease().plusSeconds(1)); // the claim expires before the id is marked done
            store.up();

            await("m1 marked done, or its lease reported lost").atMost(PATIENCE)
                    .until(() -> store.isCompleted("m1") || leasesLost.get() > 0);
            keel.publisher().publish("orders", Message.builder("m".getBytes()).id("m1").key("k").build());
            await("the duplicate handled or skipped").atMost(PATIENCE)
                    .until(() -> duplicatesSkipped.get() > 0 || effects.get() > 1);
        }
        assertThat(effects.get()).as("the effect of m1, though its lease expired before it was marked done")
                .isEqualTo(1);
    }

    private static MetricsRecorder counting(AtomicInteger duplicatesSkipped, AtomicInteger leasesLost) {
        return new MetricsRecorder() {
            @Override
            public void count(MetricEvent event, String topic, String group) {
                if (event == MetricEvent.DUPLICATE_SKIPPED) {
                    duplicatesSkipped.incrementAndGet();
                } else if (event == MetricEvent.LEASE_LOST) {
                    leasesLost.incrementAndGet();
                }
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
