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
import dev.keel.metrics.MetricEvent;
import dev.keel.retry.DeadLetterPolicy;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A message's claim is asked for when it arrives and renewed while it waits for its lane. When a renewal finds the id
 * taken by another consumer (BUSY: its lease was lost, e.g. to a store that lost its data) or done by one (DUPLICATE),
 * the message must not run on the claim it had: it asks again when its turn comes. Before, a claim younger than half
 * the lease was taken as it was and the handler ran beside the other consumer's, a second effect (found by a
 * read-only review of the Redis store).
 */
class PrefetchedClaimLostTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Past a third of the default lease (a renewal is due), short of half of it (the claim is not stale yet). */
    private static final Duration STEP = Duration.ofSeconds(4);
    private static final String TOPIC = "prefetched";
    private static final String NAMESPACE = "g:" + TOPIC;

    private final MutableClock clock = new MutableClock();
    private final InMemoryIdempotencyStore data = new InMemoryIdempotencyStore(clock);
    private final ClaimLog store = new ClaimLog(data);
    private final InMemoryBroker broker = InMemoryBroker.create();
    private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
    private final EventCounts events = new EventCounts();
    private final AtomicReference<String> first = new AtomicReference<>();
    private final Semaphore firstRuns = new Semaphore(0);
    private final Semaphore firstMayEnd = new Semaphore(0);

    @AfterEach
    void close() {
        firstMayEnd.release(10);
        broker.close();
    }

    @Test
    void aWaitingMessageWhoseClaimARenewalFoundTakenShouldNotRun() throws Exception {
        runWhileTheWaitingClaimIs((id, token) -> {
            data.release(NAMESPACE, id, token);
            data.claim(NAMESPACE, id, "another-consumer", IdempotencyPolicy.DEFAULT_LEASE);
        }, MetricEvent.CLAIM_BUSY);
    }

    @Test
    void aWaitingMessageWhoseIdARenewalFoundDoneShouldNotRun() throws Exception {
        runWhileTheWaitingClaimIs((id, token) -> {
            data.release(NAMESPACE, id, token);
            data.claim(NAMESPACE, id, "another-consumer", IdempotencyPolicy.DEFAULT_LEASE);
            data.complete(NAMESPACE, id, "another-consumer", Duration.ofHours(1));
        }, MetricEvent.DUPLICATE_SKIPPED);
    }

    /**
     * The claim of a message waiting for its lane went stale (older than half the lease; here no renewal was due in the
     * test's time) while another consumer took its id. When its turn came, the claim asked again answered BUSY: that
     * ended the claim as lost, counted {@code LEASE_LOST} and warned that another consumer "may run it too", though
     * its handler had never run (and used up the claim's one report of a loss). Found by a read-only review.
     */
    @Test
    void aStaleClaimFoundTakenBeforeTheHandlerRanShouldNotCountALostLease() throws Exception {
        IdempotencyPolicy rareTicks = IdempotencyPolicy.custom().lease(Duration.ofMinutes(10))
                .storeRetryInterval(Duration.ofMinutes(2)).build();
        try (Keel keel = Keel.builder(broker.connect()).idempotencyStore(store).clock(clock).metrics(events)
                .build()) {
            String waiting = oneRunsTheOtherWaits(keel, rareTicks);
            data.release(NAMESPACE, waiting, store.tokenOf(waiting));
            data.claim(NAMESPACE, waiting, "another-consumer", rareTicks.lease());
            clock.advance(rareTicks.lease().dividedBy(2).plusMinutes(1)); // stale: asked again when its turn comes

            int busyBefore = events.of(MetricEvent.CLAIM_BUSY);
            firstMayEnd.release();
            await(waiting + " asked again and told BUSY, or ran").atMost(PATIENCE)
                    .until(() -> events.of(MetricEvent.CLAIM_BUSY) > busyBefore || effects.containsKey(waiting));
            assertThat(effects).as("the waiting message ran beside the id's other consumer").doesNotContainKey(waiting);
            assertThat(events.of(MetricEvent.LEASE_LOST)).as("leases counted lost, no handler having run").isZero();
        }
    }

    /**
     * A message parked without dead letters runs again ({@code DeadLetterPolicy.none()}): its claim, taken in a BUSY
     * wait after the claim on receipt answered BUSY, is held. Before, the run again took that old BUSY answer as
     * the word on its claim: the claim held was ended as lost ({@code LEASE_LOST}, a WARN) and the message waited
     * BUSY on its own lease. Found by a read-only review.
     */
    @Test
    void aParkedMessageRunAgainShouldNotTakeItsReceiptsBusyAnswerForALostLease() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        try (Keel keel = Keel.builder(broker.connect()).idempotencyStore(store).clock(clock).metrics(events)
                .build()) {
            keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group("g").build());
            data.claim(NAMESPACE, "m1", "another-consumer", IdempotencyPolicy.DEFAULT_LEASE);
            keel.publisher().publishAll(TOPIC, List.of(Message.builder("a".getBytes()).id("m1").key("k1").build()));
            keel.subscribe(SubscriptionConfig.builder(TOPIC, "g", Codec.utf8())
                    .retryPolicy(RetryPolicy.custom().maxAttempts(1).build())
                    .deadLetterPolicy(DeadLetterPolicy.none()).build(), d -> {
                        if (runs.incrementAndGet() == 1) {
                            throw new IllegalStateException("the first run fails");
                        }
                        effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
                    });
            await("m1 waits BUSY").atMost(PATIENCE).until(() -> events.of(MetricEvent.CLAIM_BUSY) > 0);
            data.release(NAMESPACE, "m1", "another-consumer");

            await("m1 handled at its second run").atMost(PATIENCE).until(() -> effects.containsKey("m1"));
            assertThat(runs).hasValue(2);
            assertThat(events.of(MetricEvent.LEASE_LOST)).as("leases counted lost").isZero();
        }
    }

    /**
     * Publishes m1 and m2 (two keys) to a subscription of one lane: the message that took the lane first runs (and
     * waits); the other waits for the lane, its claim prefetched (the lane takes either key first). Returns its id,
     * once its claim is in the store.
     */
    private String oneRunsTheOtherWaits(Keel keel, IdempotencyPolicy policy) throws InterruptedException {
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group("g").build());
        keel.publisher().publishAll(TOPIC, List.of(
                Message.builder("a".getBytes()).id("m1").key("k1").build(),
                Message.builder("b".getBytes()).id("m2").key("k2").build()));
        keel.subscribe(SubscriptionConfig.builder(TOPIC, "g", Codec.utf8()).lanes(1).idempotencyPolicy(policy).build(),
                this::firstWaits);
        assertThat(firstRuns.tryAcquire(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("one runs").isTrue();
        String waiting = first.get().equals("m1") ? "m2" : "m1";
        await(waiting + "'s claim in the store").atMost(PATIENCE).until(() -> store.answered(waiting));
        return waiting;
    }

    private void firstWaits(dev.keel.Delivery<String> d) throws InterruptedException {
        if (first.compareAndSet(null, d.id())) {
            firstRuns.release();
            firstMayEnd.acquire();
        }
        effects.computeIfAbsent(d.id(), id -> new AtomicInteger()).incrementAndGet();
    }

    private void runWhileTheWaitingClaimIs(BiConsumer<String, String> takenOrDone, MetricEvent thenCounted)
            throws Exception {
        try (Keel keel = Keel.builder(broker.connect()).idempotencyStore(store).clock(clock).metrics(events)
                .build()) {
            String waiting = oneRunsTheOtherWaits(keel, IdempotencyPolicy.ofDefaults());
            takenOrDone.accept(waiting, store.tokenOf(waiting));

            int renewalsBefore = renewalsOf(waiting);
            clock.advance(STEP);
            await(waiting + "'s claim renewed while it waits").atMost(PATIENCE)
                    .until(() -> renewalsOf(waiting) > renewalsBefore);
            int countedBefore = events.of(thenCounted);
            firstMayEnd.release();

            await(waiting + " ran, or asked again and was told " + thenCounted).atMost(PATIENCE)
                    .until(() -> effects.containsKey(waiting) || events.of(thenCounted) > countedBefore);
            assertThat(effects).as("the waiting message ran on the claim the renewal found lost")
                    .doesNotContainKey(waiting);
            // no handler ran on the lost claim, so no lease is counted lost (the metric means a possible second run)
            assertThat(events.of(MetricEvent.LEASE_LOST)).as("leases counted lost").isZero();
        }
    }

    private int renewalsOf(String id) {
        String token = store.tokenOf(id);
        return (int) store.calls().stream().flatMap(List::stream)
                .filter(l -> l.id().equals(id) && l.token().equals(token)).count();
    }
}
