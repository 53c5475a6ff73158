package dev.keel.testkit.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.Codec;
import dev.keel.DeliveryGuarantee;
import dev.keel.Subscription;
import dev.keel.SubscriptionConfig;
import dev.keel.TopicSpec;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.core.Keel;
import dev.keel.deadletter.DeadLetterFilter;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import dev.keel.retry.RetryPolicy;
import dev.keel.spi.support.ForwardingIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A copy re-driven from the dead-letter topic takes its id's dead mark as its claim. When a close (or a revoke) gives
 * the copy back before it ran, its claim is let go by putting the dead mark back: before, it was deleted like any
 * claim, the id was left with no mark, and the dead-lettered original (redelivered after its acknowledgement was
 * lost, or replayed) ran as a new message beside the copy's own later run (a read-only review of the Redis store).
 */
class RedrivenCopyGivenBackStaysDeadTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";
    private static final String NAMESPACE = GROUP + ":" + TOPIC;

    private final InMemoryBroker broker = InMemoryBroker.create();
    private final InMemoryIdempotencyStore data = new InMemoryIdempotencyStore();
    private final CountDownLatch blockerRunning = new CountDownLatch(1);
    private final CountDownLatch blockerGo = new CountDownLatch(1);

    @AfterEach
    void close() {
        blockerGo.countDown();
        data.close();
        broker.close();
    }

    @Test
    void aReDrivenCopyGivenBackUnrunShouldLeaveItsIdDead() throws Exception {
        AtomicInteger redrivenClaimed = new AtomicInteger();
        ForwardingIdempotencyStore store = new ForwardingIdempotencyStore(data) {
            @Override
            public List<ClaimResult> claimAllRedriven(String namespace, List<Lease> claims, Duration lease) {
                List<ClaimResult> results = super.claimAllRedriven(namespace, claims, lease);
                redrivenClaimed.addAndGet((int) results.stream().filter(ClaimResult::isClaimed).count());
                return results;
            }
        };
        AtomicBoolean failing = new AtomicBoolean(true);
        AtomicInteger runs = new AtomicInteger();
        try (Keel keel = Keel.builder(broker.connect()).idempotencyStore(store).build()) {
            keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group(GROUP).build());
            SubscriptionConfig<String> config = SubscriptionConfig.builder(TOPIC, GROUP, Codec.utf8())
                    .guarantee(DeliveryGuarantee.EFFECTIVELY_ONCE).lanes(1)
                    .retryPolicy(RetryPolicy.custom().maxAttempts(1).build()).build();
            Subscription first = keel.subscribe(config, d -> {
                if (d.id().equals("m-0") && failing.get()) {
                    throw new IllegalStateException("poison until fixed");
                }
            });
            keel.publisher(TOPIC, Codec.utf8()).message("m").id("m-0").key("k").publish();
            await("m-0 dead-lettered").atMost(PATIENCE).until(() -> broker.records(TOPIC + ".DLT").size() == 1);
            first.close();
            failing.set(false);

            // the next subscription runs a slow message on its one lane; the copy waits behind it, its id claimed
            keel.publisher(TOPIC, Codec.utf8()).message("slow").id("blocker").key("other").publish();
            Subscription second = keel.subscribe(config, d -> {
                if (d.id().equals("blocker")) {
                    blockerRunning.countDown();
                    blockerGo.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                } else {
                    runs.incrementAndGet();
                }
            });
            assertThat(blockerRunning.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(keel.deadLetters(TOPIC, GROUP).redrive(DeadLetterFilter.all(), (soFar, received) -> { })
                    .redriven()).isEqualTo(1);
            await("the copy's claim taken").atMost(PATIENCE).until(() -> redrivenClaimed.get() == 1);

            var closed = second.closeAsync(Duration.ofSeconds(10)).toCompletableFuture();
            blockerGo.countDown();
            closed.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        }

        assertThat(runs.get()).as("the copy, given back unrun").isZero();
        assertThat(data.claim(NAMESPACE, "m-0", "original-again", Duration.ofMinutes(1)).status())
                .as("m-0's id for its dead-lettered original, delivered again").isEqualTo(ClaimResult.Status.DUPLICATE);
        assertThat(data.claimRedriven(NAMESPACE, "m-0", "copy-again", Duration.ofMinutes(1)).status())
                .as("m-0's id for the copy's redelivery").isEqualTo(ClaimResult.Status.CLAIMED);
    }
}
