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
import dev.keel.dedup.IdempotencyStore;
import dev.keel.metrics.MetricEvent;
import dev.keel.retry.RetryPolicy;
import dev.keel.testkit.FaultyIdempotencyStore;
import dev.keel.testkit.InMemoryBroker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A message retried in place holds its claim between attempts, renewed by the heartbeat. When a renewal finds the id
 * done by another consumer (DUPLICATE) or taken by one (BUSY: its lease was lost, the store unreachable or this process
 * stalled for longer than the lease), the next attempt must not run: it would apply the effect after the other
 * consumer's, or beside it. The message asks for its id again instead: skipped as done, or waits while the id is held
 * and goes on with its attempts once it is free. Before, the retries went on as if the claim were held (found by a
 * read-only review of the engine's claims).
 */
class ClaimLostWhileRetryingTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Past a third of the default lease (a renewal is due). */
    private static final Duration STEP = Duration.ofSeconds(4);
    private static final String TOPIC = "retrying";
    private static final String NAMESPACE = "g:" + TOPIC;
    private static final String ID = "m1";
    private static final String OTHER = "another-consumer";

    private final MutableClock clock = new MutableClock();
    private final InMemoryIdempotencyStore data = new InMemoryIdempotencyStore(clock);
    private final ClaimLog store = new ClaimLog(data);
    private final InMemoryBroker broker = InMemoryBroker.create();
    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicInteger effects = new AtomicInteger();
    private final EventCounts events = new EventCounts();
    private final Semaphore firstRuns = new Semaphore(0);
    private final Semaphore firstMayFail = new Semaphore(0);

    @AfterEach
    void close() {
        firstMayFail.release(10);
        broker.close();
    }

    @Test
    void aRetriedMessageWhoseIdARenewalFoundDoneShouldNotRunAgain() throws Exception {
        try (Keel keel = subscribed()) {
            afterTheFirstAttemptRanTheIdIs(() -> data.complete(NAMESPACE, ID, OTHER, Duration.ofHours(1)));

            await("the message skipped as done, or run again").atMost(PATIENCE)
                    .until(() -> events.of(MetricEvent.DUPLICATE_SKIPPED) > 0 || attempts.get() > 1);
            assertThat(attempts).as("attempts run (the second after another consumer's effect)").hasValue(1);
            assertThat(events.of(MetricEvent.DEAD_LETTERED)).as("dead-lettered").isZero();
            // its first attempt ran under the claim another consumer then took and completed: a lease lost
            assertThat(events.of(MetricEvent.LEASE_LOST)).as("leases counted lost").isEqualTo(1);
        }
    }

    /** Its last attempt failed after the id was done elsewhere: skipped as done, not dead-lettered. */
    @Test
    void aMessageWhoseIdARenewalFoundDoneShouldNotBeDeadLetteredAfterItsLastAttempt() throws Exception {
        try (Keel keel = subscribed(1)) {
            afterTheFirstAttemptRanTheIdIs(() -> data.complete(NAMESPACE, ID, OTHER, Duration.ofHours(1)));

            await("the message skipped as done, or dead-lettered").atMost(PATIENCE).until(() ->
                    events.of(MetricEvent.DUPLICATE_SKIPPED) > 0 || events.of(MetricEvent.DEAD_LETTERED) > 0);
            assertThat(events.of(MetricEvent.DEAD_LETTERED)).as("dead-lettered though another consumer applied it")
                    .isZero();
        }
    }

    /**
     * Its last attempt failed after the id was taken elsewhere: it waits while the other consumer holds the id, and
     * once that one lets it go (without marking it done) it is dead-lettered, with no run beyond its attempts.
     */
    @Test
    void aMessageWhoseIdARenewalFoundTakenShouldBeDeadLetteredWithoutAnotherRunOnceItIsFree() throws Exception {
        try (Keel keel = subscribed(1)) {
            int busyBefore = events.of(MetricEvent.CLAIM_BUSY);
            afterTheFirstAttemptRanTheIdIs(() -> { });
            await("the id asked for again: BUSY").atMost(PATIENCE)
                    .until(() -> events.of(MetricEvent.CLAIM_BUSY) > busyBefore || attempts.get() > 1);

            data.release(NAMESPACE, ID, OTHER);
            await("dead-lettered, or run again").atMost(PATIENCE)
                    .until(() -> events.of(MetricEvent.DEAD_LETTERED) > 0 || attempts.get() > 1);
            assertThat(attempts).as("runs with maxAttempts(1)").hasValue(1);
            assertThat(events.of(MetricEvent.DEAD_LETTERED)).isEqualTo(1);
        }
    }

    @Test
    void aRetriedMessageWhoseIdARenewalFoundTakenShouldWaitForItBeforeItsNextAttempt() throws Exception {
        try (Keel keel = subscribed()) {
            int busyBefore = events.of(MetricEvent.CLAIM_BUSY);
            afterTheFirstAttemptRanTheIdIs(() -> { });

            await("the message asks for its id again (BUSY), or runs again").atMost(PATIENCE)
                    .until(() -> events.of(MetricEvent.CLAIM_BUSY) > busyBefore || attempts.get() > 1);
            assertThat(attempts).as("attempts run while another consumer holds the id").hasValue(1);

            data.release(NAMESPACE, ID, OTHER); // the other consumer gave it up: this one goes on
            await("the next attempt, once the id is free").atMost(PATIENCE).until(() -> effects.get() == 1);
            assertThat(attempts).hasValue(2);
            assertThat(events.of(MetricEvent.DEAD_LETTERED)).as("dead-lettered").isZero();
        }
    }

    /**
     * No renewal got through for more than half the lease while the message waited for its next attempt (the store
     * unreachable): its lease may have run out and the id gone to another consumer, as here. The next attempt waits
     * until the claim, asked again, says: here BUSY, then CLAIMED once the other consumer lets the id go. Before, the
     * attempt ran at once, beside the other consumer (found by a live probe on Kafka and Redis).
     */
    @Test
    void aRetriedMessageWhoseRenewalsFailedForHalfTheLeaseShouldAskForItsIdBeforeItsNextAttempt() throws Exception {
        FaultyIdempotencyStore faulty = new FaultyIdempotencyStore(store);
        try (Keel keel = subscribed(5, faulty)) {
            assertThat(firstRuns.tryAcquire(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the first attempt runs")
                    .isTrue();
            faulty.down();
            data.release(NAMESPACE, ID, store.tokenOf(ID)); // its lease runs out: another consumer takes the id
            assertThat(data.claim(NAMESPACE, ID, OTHER, IdempotencyPolicy.DEFAULT_LEASE).isClaimed()).isTrue();
            clock.advance(IdempotencyPolicy.DEFAULT_LEASE.dividedBy(2).plusSeconds(1));
            long callsBefore = faulty.batchClaims();
            firstMayFail.release();

            // the claim calls that fail meanwhile: renewals, and the claim asked again, each store retry interval
            await("the next attempt, or failed claim calls for well past the backoff").atMost(PATIENCE)
                    .until(() -> attempts.get() > 1 || faulty.batchClaims() >= callsBefore + 4);
            assertThat(attempts).as("attempts run while the store was unreachable and the id elsewhere").hasValue(1);
            int busyBefore = events.of(MetricEvent.CLAIM_BUSY);
            faulty.up();
            await("the id asked for again: BUSY").atMost(PATIENCE)
                    .until(() -> events.of(MetricEvent.CLAIM_BUSY) > busyBefore || attempts.get() > 1);
            assertThat(attempts).as("attempts run while another consumer holds the id").hasValue(1);

            data.release(NAMESPACE, ID, OTHER);
            await("the next attempt, once the id is free").atMost(PATIENCE).until(() -> effects.get() == 1);
            assertThat(attempts).hasValue(2);
        }
    }

    /** Lets the first attempt run, gives the id to another consumer (then {@code then}), renews, fails the attempt. */
    private void afterTheFirstAttemptRanTheIdIs(Runnable then) throws Exception {
        assertThat(firstRuns.tryAcquire(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the first attempt runs").isTrue();
        String token = store.tokenOf(ID);
        data.release(NAMESPACE, ID, token); // its lease lost: another consumer takes the id
        assertThat(data.claim(NAMESPACE, ID, OTHER, IdempotencyPolicy.DEFAULT_LEASE).isClaimed()).isTrue();
        then.run();
        long renewalsBefore = store.answeredWith(token);
        clock.advance(STEP);
        await("the claim's renewal answered while the first attempt runs").atMost(PATIENCE)
                .until(() -> store.answeredWith(token) > renewalsBefore);
        firstMayFail.release();
    }

    private Keel subscribed() {
        return subscribed(5, store);
    }

    private Keel subscribed(int maxAttempts) {
        return subscribed(maxAttempts, store);
    }

    private Keel subscribed(int maxAttempts, IdempotencyStore using) {
        Keel keel = Keel.builder(broker.connect()).idempotencyStore(using).clock(clock).metrics(events).build();
        keel.ensureTopology(TopicSpec.builder(TOPIC).partitions(1).group("g").build());
        keel.publisher().publishAll(TOPIC, List.of(Message.builder("a".getBytes()).id(ID).key("k1").build()));
        // a backoff long enough for the renewal's answer, which comes before the attempt fails, to be taken up
        RetryPolicy retries = RetryPolicy.custom().maxAttempts(maxAttempts).initialBackoff(Duration.ofMillis(300))
                .jitter(0).build();
        keel.subscribe(SubscriptionConfig.builder(TOPIC, "g", Codec.utf8()).retryPolicy(retries).build(), d -> {
            if (attempts.incrementAndGet() == 1) {
                firstRuns.release();
                firstMayFail.acquire();
                throw new IllegalStateException("the first attempt fails");
            }
            effects.incrementAndGet();
        });
        return keel;
    }
}
