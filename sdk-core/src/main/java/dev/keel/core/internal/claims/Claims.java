package dev.keel.core.internal.claims;

import dev.keel.core.internal.chain.DeadLetterMarks;
import dev.keel.core.internal.chain.StepContext;
import dev.keel.core.internal.chain.StoreOutages;
import dev.keel.core.internal.chain.Work;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.IdempotencyStore;
import dev.keel.metrics.MetricsRecorder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The idempotency claims of one EFFECTIVELY_ONCE subscription: the {@link Claim} of each message in
 * flight, requested in one batch when messages arrive, the claims held and renewed
 * ({@link LeaseKeeper}), the messages waiting for an id another consumer holds ({@link BusyWaits}),
 * and the store calls behind them ({@link StoreAccess}), on a pool of its own.
 */
public final class Claims implements Claiming {

    /** The lease of a claim made only to learn an id's state: it expires by itself right after its answer. */
    public static final Duration PROBE_LEASE = RedriveClaims.PROBE_LEASE;

    private final StoreAccess store;
    private final LeaseKeeper leases;
    private final BusyWaits busyWaits;
    private final ExecutorService storePool;
    private final Clock clock;
    private final IdempotencyPolicy policy;
    private final Map<Work, Claim> byWork = new ConcurrentHashMap<>();
    /** The last received unfinished message of each id: a later copy is claimed only when it runs. */
    private final Map<String, Work> lastOfId = new ConcurrentHashMap<>();
    /**
     * Whether the next tick pings the store: the first tick does, so that a store unreachable from the start pauses
     * the subscription before its first message; then each tick while a ping found it unreachable, until one answers
     * (its messages' claims, which would tell otherwise, do not come while it is paused). Later outages are ended by
     * the store calls of the messages in flight, except when none is left ({@link #probe}).
     */
    private final AtomicBoolean probing = new AtomicBoolean(true);
    private final StorePauses pauses;
    private final AtomicBoolean pinging = new AtomicBoolean();

    /**
     * @param namespace the subscription's namespace in the store ({@link #namespaceOf}, or a broadcast
     *                  instance's own)
     * @param storePool the threads of the store calls, shut down by {@link #close()}
     * @param pauses    told when the store cannot be reached, and when it answers again
     */
    public Claims(IdempotencyStore store, String topic, String group, String namespace, IdempotencyPolicy policy,
                  ExecutorService storePool, StorePauses pauses, MetricsRecorder metrics, Clock clock) {
        this.store = new StoreAccess(store, topic, group, namespace, policy, storePool, pauses, metrics);
        this.leases = new LeaseKeeper(this.store, clock, policy.renewalInterval(), metrics, topic, group);
        this.busyWaits = new BusyWaits(this.store, clock, metrics, topic, group);
        this.storePool = storePool;
        this.pauses = pauses;
        this.clock = clock;
        this.policy = policy;
    }

    /**
     * Asks {@code store} whether it can hold the namespaces a subscription with claims in {@code namespace} uses
     * (also that of its re-driven letters).
     *
     * @throws IllegalArgumentException from the store, when it can never hold one
     */
    public static void checkNamespaces(IdempotencyStore store, String namespace) {
        store.checkNamespace(namespace);
        store.checkNamespace(RedriveClaims.usedLettersNamespace(namespace));
    }

    /** The store namespace of {@code group}'s claims on {@code topic}: {@code <group>:<topic>}. */
    public static String namespaceOf(String group, String topic) {
        return group + ":" + topic;
    }

    /**
     * Requests the claims of the messages received, in one batch, unless a copy of the same id is still
     * in flight here (a duplicate publish, a redelivery): such a copy is claimed only when it runs, after
     * the earlier one, which would otherwise wait BUSY for ever for the claim this one holds.
     */
    @Override
    public void received(List<Work> works) {
        List<Claim> toClaim = new ArrayList<>(works.size());
        for (Work work : works) {
            String id = work.record().id();
            Work earlier = lastOfId.put(id, work);
            work.finished().whenComplete((v, e) -> lastOfId.remove(id, work));
            Claim claim = of(work);
            if ((earlier == null || earlier.finished().isDone()) && claim.unstorable() == null) {
                toClaim.add(claim);
            }
        }
        if (toClaim.isEmpty()) {
            return;
        }
        long requestedAt = clock.millis();
        List<CompletableFuture<ClaimResult>> results = store.claimAll(toClaim);
        for (int i = 0; i < toClaim.size(); i++) {
            Claim claim = toClaim.get(i);
            claim.requested(results.get(i), requestedAt);
            // renewed from now on, while it waits for its key and its lane too
            claim.prefetchSettled(results.get(i).thenAccept(result -> {
                if (result.isClaimed()) {
                    leases.hold(claim);
                }
            }));
        }
    }

    /**
     * Completes once the claim requested for {@code work} on receipt has its answer (whatever it is, or a failure) and a
     * claim it got is held for renewal; null when none was requested on receipt (the message claims when it runs). The
     * message takes a lane only then, so that no lane waits for a store round trip while another message could run.
     */
    @Override
    public CompletionStage<?> answered(Work work) {
        Claim claim = byWork.get(work);
        return claim == null ? null : claim.prefetchSettled();
    }

    /**
     * Whether {@code work} may go on under its claim: false once a renewal found its id done or taken by another
     * consumer (the claim ended while the message ran or waited for its next attempt), and false while no renewal
     * reached the store for half the lease (or the clock stepped back): its lease may have run out, the id taken by
     * another consumer; asked again, the claim says. True when it holds none yet.
     */
    public boolean holds(Work work) {
        Claim claim = byWork.get(work);
        if (claim == null) {
            return true;
        }
        long age = clock.millis() - claim.requestedAtMillis();
        return !claim.isEnded() && age >= 0 && age <= policy.lease().toMillis() / 2;
    }

    /** The claim of {@code work}, made when first asked for; it goes with the message when it finished. */
    Claim of(Work work) {
        Claim existing = byWork.get(work);
        if (existing != null) {
            return existing;
        }
        Claim claim = new Claim(work);
        try {
            store.checkId(work.record().id());
        } catch (IllegalArgumentException unstorable) {
            claim.unstorable(unstorable); // never claimed: dead-lettered at once (DedupStep)
        }
        Claim raced = byWork.putIfAbsent(work, claim);
        if (raced != null) {
            return raced;
        }
        work.finished().whenComplete((v, e) -> byWork.remove(work, claim));
        return claim;
    }

    @Override
    public void tick() {
        probe();
        busyWaits.tick();
        leases.tick();
    }

    /**
     * Pings the store on the first ticks (see {@link #probing}), and on every tick while the subscription is paused for
     * its store with no message in flight: a pause for the store ends when a store call succeeds, and with no message
     * in flight none would come. A revoke (a rebalance, a lost connection, a member handing its keys back) gives up
     * every message while the store fails, or a failure is reported after the last message left (a renewal under way):
     * without the ping the subscription stayed paused for good, and a broker that keeps dealing a paused member
     * messages (ActiveMQ Classic, with their message groups) never got them handled.
     */
    private void probe() {
        boolean due = probing.get() || (byWork.isEmpty() && pauses.isStoreDown());
        if (!due || !pinging.compareAndSet(false, true)) {
            return;
        }
        try {
            store.ping().whenComplete((v, e) -> {
                pinging.set(false);
                if (e == null) {
                    probing.set(false);
                    store.available();
                } else {
                    store.unavailable(e);
                }
            });
        } catch (RuntimeException rejected) {
            pinging.set(false); // closing: the store's threads are gone
        }
    }

    @Override
    public void dropped(Work work, boolean release) {
        Claim claim = byWork.get(work);
        if (claim == null) {
            return;
        }
        CompletableFuture<ClaimResult> requested = claim.requested();
        if (release && requested != null) {
            // tracked from now, while its claim's answer is awaited: a graceful close waits for it (releasesSettled)
            // a claim that failed may still have been written (its reply lost, a timeout while the store ran it):
            // released too, since a release removes only this claim's own lease (FailedClaimReleasedAtCloseTest)
            store.trackRelease(requested.handle((result, error) -> error != null || result.isClaimed())
                    .thenCompose(claimed -> claimed ? leases.release(claim) : CompletableFuture.completedFuture(null)));
        } else {
            leases.done(claim); // crashed: renewed no more, left to expire
        }
    }

    @Override
    public ClaimCounts counts() {
        return new ClaimCounts(busyWaits.size(), busyWaits.waitingLongerThan(policy.lease().toMillis()),
                leases.size());
    }

    @Override
    public void stop() {
        busyWaits.stop();
    }

    @Override
    public void close() {
        store.releaseOnCallerOnceClosed();
        storePool.shutdown();
    }

    @Override
    public CompletionStage<Void> releasesSettled() {
        return store.releasesSettled();
    }

    @Override
    public void abort() {
        storePool.shutdown();
    }

    @Override
    public Optional<Duration> tickInterval() {
        return Optional.of(policy.storeRetryInterval());
    }

    /** What the dead-letter step of this subscription leaves to its claims. */
    public DeadLetterMarks deadLetterMarks(StepContext context) {
        return new DeadMarks(this::of, store, leases, context.delays(), context.stopped(), policy.storeRetryInterval());
    }

    /** Where the subscription reports store outages (and the consumer pauses), its claims' and its handler's. */
    public StoreOutages outages() {
        return store.outages();
    }

    StoreAccess store() {
        return store;
    }

    LeaseKeeper leases() {
        return leases;
    }

    BusyWaits busyWaits() {
        return busyWaits;
    }

    IdempotencyPolicy policy() {
        return policy;
    }

    Clock clock() {
        return clock;
    }
}
