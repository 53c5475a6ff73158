package dev.keel.core.internal.claims;

import dev.keel.core.internal.chain.Work;
import dev.keel.core.internal.consume.FlowControl;
import dev.keel.core.internal.ManualClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.core.InMemoryIdempotencyStore;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.metrics.MetricsRecorder;
import dev.keel.spi.BrokerConsumer;
import dev.keel.spi.DeliverySink;
import dev.keel.spi.InboundRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LeaseKeeperTest {

    private static final String NS = "g:t";
    private static final Duration LEASE = Duration.ofSeconds(10);

    private final ExecutorService storeThreads = Executors.newFixedThreadPool(2);
    private final InMemoryIdempotencyStore data = new InMemoryIdempotencyStore();

    @AfterEach
    void close() {
        storeThreads.shutdownNow();
    }

    @Test
    void aRenewalShouldNotBringBackAClaimReleasedWhileItWasUnderWay() throws Exception {
        CountDownLatch renewalReachedStore = new CountDownLatch(1);
        CountDownLatch letRenewalFinish = new CountDownLatch(1);
        AtomicInteger releases = new AtomicInteger();
        IdempotencyStore store = new Delegating(data) {
            @Override
            public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
                renewalReachedStore.countDown();
                waitFor(letRenewalFinish);
                return super.claimAll(namespace, claims, lease);
            }

            @Override
            public LeaseOutcome release(String namespace, String id, String token) {
                releases.incrementAndGet();
                return super.release(namespace, id, token);
            }
        };
        ManualClock clock = new ManualClock();
        Claims claims = claims(store, clock);
        Claim claim = claims.of(new Work(record("m1")));
        assertThat(data.claim(NS, "m1", claim.token(), LEASE).isClaimed()).isTrue();
        LeaseKeeper keeper = claims.leases();
        keeper.hold(claim);

        clock.advance(Duration.ofSeconds(4)); // past the renewal interval (a third of the lease)
        keeper.tick();
        assertThat(renewalReachedStore.await(10, TimeUnit.SECONDS)).isTrue();
        keeper.release(claim); // the handler failed meanwhile: give the id back
        await("no release reaches the store while the renewal is under way").during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5)).until(() -> releases.get() == 0);
        letRenewalFinish.countDown();

        await().atMost(Duration.ofSeconds(10)).until(() -> releases.get() == 1);
        assertThat(data.claim(NS, "m1", "next-owner", LEASE).isClaimed())
                .as("the id is free for the next owner, not held by the renewal").isTrue();
        clock.advance(Duration.ofSeconds(4));
        keeper.tick();
        assertThat(keeper.size()).isZero();
    }

    @Test
    void aTickShouldRenewOnlyTheClaimsLastRenewedAtLeastARenewalIntervalAgo() {
        List<List<String>> renewed = new java.util.concurrent.CopyOnWriteArrayList<>();
        IdempotencyStore store = recordingRenewals(renewed);
        ManualClock clock = new ManualClock();
        Claims claims = claims(store, clock);
        LeaseKeeper keeper = claims.leases();
        Claim old = held(claims, keeper, clock, "old");
        clock.advance(Duration.ofSeconds(3));
        Claim young = held(claims, keeper, clock, "young");

        clock.advance(Duration.ofSeconds(1)); // old: 4 s, past a third of the 10 s lease; young: 1 s
        keeper.tick();
        await().atMost(Duration.ofSeconds(10)).until(() -> renewed.size() == 1);
        assertThat(renewed.get(0)).as("one batch, with only the claim that needs it").containsExactly("old");

        clock.advance(Duration.ofMillis(500)); // young: 1.5 s; old renewed 0.5 s ago
        keeper.tick();
        clock.advance(Duration.ofSeconds(2)); // young: 3.5 s; old renewed 2.5 s ago
        await("the next renewal, once the first one has finished").atMost(Duration.ofSeconds(10)).until(() -> {
            keeper.tick();
            return renewed.size() == 2;
        });
        assertThat(renewed.get(1)).containsExactly("young");
        assertThat(old.isEnded() || young.isEnded()).isFalse();
    }

    /**
     * The host clock stepped back (an NTP correction, a VM resumed): a claim then looks requested in the future.
     * Before, no tick renewed it until the clock had caught up with its old time plus an interval (here a minute),
     * while its lease ran out in the store after ten seconds. A claim requested "later than now" is renewed at the next
     * tick, and timed from then on by the clock as it now reads.
     */
    @Test
    void aClockSteppedBackShouldNotHoldBackRenewals() {
        List<List<String>> renewed = new java.util.concurrent.CopyOnWriteArrayList<>();
        IdempotencyStore store = recordingRenewals(renewed);
        ManualClock clock = new ManualClock();
        Claims claims = claims(store, clock);
        LeaseKeeper keeper = claims.leases();
        held(claims, keeper, clock, "m1");

        clock.advance(Duration.ofMinutes(-1)); // the step back
        keeper.tick();
        await("a renewal right after the step").atMost(Duration.ofSeconds(10)).until(() -> renewed.size() == 1);

        clock.advance(Duration.ofSeconds(1)); // renewed a second ago by the clock as it reads now
        await("no renewal a second after the last one").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> {
                    keeper.tick();
                    return renewed.size() == 1;
                });
        clock.advance(Duration.ofSeconds(3)); // 4 s since that renewal: due again
        await("the next renewal, an interval after the first by the clock as it reads now")
                .atMost(Duration.ofSeconds(10)).until(() -> {
                    keeper.tick();
                    return renewed.size() >= 2;
                });
        assertThat(renewed).as("renewals: one at the step, the next an interval later, none between")
                .containsExactly(List.of("m1"), List.of("m1"));
    }

    /**
     * A renewal found the id held by another consumer (BUSY) but its answer came only after the step running the
     * message had claimed the id again, CLAIMED (the other consumer had let it go meanwhile). Before, that stale answer
     * ended the claim just taken: it was renewed no more, and its lease ran out under the running handler, for another
     * consumer to run the message beside it (found by a read-only review of the engine's claims).
     */
    @Test
    void aRenewalAnsweredAfterTheStepTookTheIdAgainShouldNotEndTheNewHold() {
        List<List<String>> renewed = new java.util.concurrent.CopyOnWriteArrayList<>();
        CountDownLatch renewalAnswered = new CountDownLatch(1);
        CountDownLatch letAnswerGo = new CountDownLatch(1);
        IdempotencyStore store = new Delegating(data) {
            @Override
            public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
                renewed.add(claims.stream().map(Lease::id).toList());
                List<ClaimResult> answer = super.claimAll(namespace, claims, lease);
                if (renewed.size() == 1) {
                    renewalAnswered.countDown();
                    waitFor(letAnswerGo);
                }
                return answer;
            }
        };
        ManualClock clock = new ManualClock();
        Claims claims = claims(store, clock);
        LeaseKeeper keeper = claims.leases();
        Claim claim = held(claims, keeper, clock, "m1");
        data.release(NS, "m1", claim.token()); // its lease lost: another consumer holds the id
        assertThat(data.claim(NS, "m1", "another-consumer", LEASE).isClaimed()).isTrue();

        clock.advance(Duration.ofSeconds(4));
        keeper.tick();
        assertThat(waitFor(renewalAnswered)).as("the renewal answered BUSY").isTrue();
        data.release(NS, "m1", "another-consumer"); // the other consumer lets it go, and the step takes it again
        assertThat(data.claim(NS, "m1", claim.token(), LEASE).isClaimed()).isTrue();
        keeper.claimed(claim);
        letAnswerGo.countDown();

        clock.advance(Duration.ofSeconds(4));
        await("the hold taken again is renewed after the stale answer").atMost(Duration.ofSeconds(10)).until(() -> {
            keeper.tick();
            return renewed.size() == 2;
        });
        assertThat(claim.isEnded()).as("the claim taken again ended by the earlier renewal's answer").isFalse();
    }

    /** The test's store, adding the ids of each batch claim (a renewal, here) to {@code renewed}. */
    private IdempotencyStore recordingRenewals(List<List<String>> renewed) {
        return new Delegating(data) {
            @Override
            public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
                renewed.add(claims.stream().map(Lease::id).toList());
                return super.claimAll(namespace, claims, lease);
            }
        };
    }

    /** A claim of {@code id} requested now, CLAIMED, and held by {@code keeper}. */
    private Claim held(Claims claims, LeaseKeeper keeper, ManualClock clock, String id) {
        Claim claim = claims.of(new Work(record(id)));
        assertThat(data.claim(NS, id, claim.token(), LEASE).isClaimed()).isTrue();
        claim.requested(CompletableFuture.completedFuture(ClaimResult.claimed(claim.token())), clock.millis());
        keeper.hold(claim);
        return claim;
    }

    @Test
    void aClaimAnsweredAfterItsWorkWasDroppedShouldNotBeRenewed() {
        ManualClock clock = new ManualClock();
        Claims claims = claims(data, clock);
        Claim claim = claims.of(new Work(record("m1")));
        LeaseKeeper keeper = claims.leases();
        keeper.release(claim); // dropped before its prefetched claim was answered
        keeper.hold(claim);    // the answer arrives: CLAIMED
        assertThat(keeper.size()).isZero();
    }

    private Claims claims(IdempotencyStore store, Clock clock) {
        FlowControl flow = new FlowControl(new IdleConsumer(), 10, Long.MAX_VALUE);
        return new Claims(store, "t", "g", NS, IdempotencyPolicy.custom().lease(LEASE).build(), storeThreads, flow,
                MetricsRecorder.noop(), clock);
    }

    private static InboundRecord record(String id) {
        return new InboundRecord("t", "0", 0, id, "k", Map.of(), new byte[0], Instant.EPOCH, 1, () -> { });
    }

    private static boolean waitFor(CountDownLatch latch) {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static final class IdleConsumer implements BrokerConsumer {
        @Override
        public void start(DeliverySink sink) {
        }

        @Override
        public void pause() {
        }

        @Override
        public void resume() {
        }

        @Override
        public CompletionStage<Void> close() {
            return CompletableFuture.completedFuture(null);
        }
    }

    private static class Delegating implements IdempotencyStore {
        private final IdempotencyStore delegate;

        Delegating(IdempotencyStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public ClaimResult claim(String namespace, String id, String token, Duration lease) {
            return delegate.claim(namespace, id, token, lease);
        }

        @Override
        public List<ClaimResult> claimAll(String namespace, List<Lease> claims, Duration lease) {
            return delegate.claimAll(namespace, claims, lease);
        }

        @Override
        public LeaseOutcome complete(String namespace, String id, String token, Duration retention) {
            return delegate.complete(namespace, id, token, retention);
        }

        @Override
        public LeaseOutcome release(String namespace, String id, String token) {
            return delegate.release(namespace, id, token);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
