package dev.keel.core.internal;

import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.IdempotencyPolicy;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.metrics.MetricEvent;
import dev.keel.metrics.MetricsRecorder;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EFFECTIVELY_ONCE: runs the rest of the chain only under a claim on the message id. DUPLICATE is
 * acknowledged without running it. BUSY (another owner's lease) gives back the lane and waits in
 * {@link BusyWaits}, claimed again with every other waiting message in one batch each tick, while
 * the message stays unacknowledged and its key's later messages wait behind it. A claim held is
 * renewed by the subscription's {@link LeaseKeeper} for as long as the message runs, retries or
 * waits to be marked done; after success the id is marked done before the acknowledgement; after
 * failure the claim stays held (and renewed) for the dead-lettering, which completes or releases it. A prefetched claim that no renewal reached for half its lease (the
 * store was unreachable) is renewed before the handler runs. While the store is unavailable nothing
 * runs: the claim (or the completion) is retried and the consumer is paused through
 * {@link StoreAccess}. Every claim of a delivery uses its one token, so a retry after a claim whose
 * reply was lost finds its own lease (CLAIMED) instead of waiting it out as BUSY. A message whose
 * partition was revoked is given up (DROPPED, its claim released).
 */
final class DedupStep implements Step {

    private static final Logger LOG = LoggerFactory.getLogger(DedupStep.class);

    private final Step next;
    private final StoreAccess store;
    private final LeaseKeeper leases;
    private final BusyWaits busyWaits;
    private final Duration lease;
    private final Clock clock;
    private final Duration retryInterval;
    private final Delays delays;
    private final BooleanSupplier stopped;
    private final MetricsRecorder metrics;
    private final String group;

    DedupStep(Step next, StoreAccess store, IdempotencyPolicy policy, Clock clock, Delays delays, BooleanSupplier stopped,
              MetricsRecorder metrics, String group) {
        this.next = next;
        this.store = store;
        this.leases = store.leases();
        this.busyWaits = store.busyWaits();
        this.lease = policy.lease();
        this.clock = clock;
        this.retryInterval = policy.storeRetryInterval();
        this.delays = delays;
        this.stopped = stopped;
        this.metrics = metrics;
        this.group = group;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        CompletableFuture<ClaimResult> prefetched = work.claim();
        if (prefetched == null) {
            return afterClaim(work, claim(work));
        }
        // The heartbeat renews a prefetched claim while it waits in its lane; one it could not reach for half
        // the lease (the store was unreachable) is renewed now, with the same token, before the handler runs.
        // A BUSY answer that is older than a retry interval (the message waited behind its key's previous one)
        // is asked again at once rather than at the next tick. One that failed then (maybe long ago, with its
        // whole batch) is tried again at once, with the same token, before the store is taken for down:
        // otherwise each message of a failed batch would wait its own interval.
        return afterClaim(work, prefetched.thenCompose(result -> {
            long age = clock.millis() - work.claimRequestedAtMillis();
            boolean stale = result.isClaimed() ? age > lease.toMillis() / 2
                    : result.status() == ClaimResult.Status.BUSY && age >= retryInterval.toMillis();
            return stale ? claim(work) : CompletableFuture.completedFuture(result);
        }).exceptionallyCompose(error -> claim(work)));
    }

    private CompletableFuture<ClaimResult> claim(Work work) {
        long requestedAt = clock.millis();
        return store.claim(work).thenApply(result -> {
            if (result.isClaimed()) {
                work.renewed(requestedAt);
            }
            return result;
        });
    }

    private boolean givenUp(Work work) {
        return stopped.getAsBoolean() || work.isAbandoned();
    }

    private CompletionStage<Outcome> afterClaim(Work work, CompletionStage<ClaimResult> claim) {
        // continue on the handler threads: the claim completes on a store thread, which must never run handlers
        return claim.handleAsync((result, error) -> {
            if (error != null) {
                if (givenUp(work)) {
                    return CompletableFuture.completedFuture(Outcome.DROPPED);
                }
                store.unavailable(error);
                return delays.after(retryInterval, () -> afterClaim(work, claim(work)));
            }
            store.available();
            if (result.isClaimed()) {
                leases.claimed(work);
            } else if (result.status() == ClaimResult.Status.BUSY) {
                leases.busy(work); // a claim it held (prefetched, then not renewed in time) is lost
            }
            if (givenUp(work)) {
                if (result.isClaimed()) {
                    leases.release(work);
                }
                return CompletableFuture.completedFuture(Outcome.DROPPED);
            }
            return switch (result.status()) {
                case DUPLICATE -> CompletableFuture.completedFuture(Outcome.DUPLICATE);
                case BUSY -> {
                    work.leaveLane();
                    yield afterClaim(work, busyWaits.await(work));
                }
                case CLAIMED -> runClaimed(work, new Lease(work.record().id(), result.token()));
            };
        }, delays.executor()).thenCompose(stage -> stage);
    }

    private CompletionStage<Outcome> runClaimed(Work work, Lease lease) {
        return Futures.call(() -> next.handle(work)).handle((outcome, error) -> {
            if (error != null) {
                // the claim stays: the dead-lettering around this step completes it once the dead letter is
                // confirmed (so a copy of the message arriving meanwhile is BUSY, then DUPLICATE, and is never
                // run or dead-lettered twice), or releases it when the message is dropped for redelivery
                return CompletableFuture.<Outcome>failedFuture(Futures.unwrap(error));
            }
            work.handlerSucceeded();
            if (outcome == Outcome.RETRY_SCHEDULED) {
                // retried later from the retry topic, under the same id: released, not marked done
                leases.release(work);
                return CompletableFuture.completedFuture(outcome);
            }
            return complete(work, lease, outcome);
        }).thenCompose(stage -> stage);
    }

    private CompletionStage<Outcome> reclaimAfterLoss(Work work, Lease lease, Outcome outcome) {
        return store.claim(lease.id(), lease.token()).handle((claim, error) -> {
            if (error != null) {
                if (stopped.getAsBoolean()) {
                    return CompletableFuture.completedFuture(Outcome.DROPPED);
                }
                store.unavailable(error);
                return delays.after(retryInterval, () -> reclaimAfterLoss(work, lease, outcome));
            }
            // CLAIMED: complete again (APPLIED now). DUPLICATE or BUSY: another delivery has it; completing reports LOST
            return complete(work, lease, outcome);
        }).thenCompose(stage -> stage);
    }

    private CompletionStage<Outcome> complete(Work work, Lease lease, Outcome outcome) {
        return store.complete(lease).handle((result, error) -> {
            if (error != null) {
                if (stopped.getAsBoolean()) {
                    return CompletableFuture.completedFuture(Outcome.DROPPED);
                }
                store.unavailable(error);
                return delays.after(retryInterval, () -> complete(work, lease, outcome));
            }
            store.available();
            if (result == LeaseOutcome.LOST && !work.isReclaimedAfterLoss()) {
                // the lease expired before the id was marked done (the store was away longer than the lease): claim it
                // again with the same token; if no one else took it meanwhile, it is marked done after all
                work.reclaimedAfterLoss();
                return reclaimAfterLoss(work, lease, outcome);
            }
            leases.done(work);
            if (result == LeaseOutcome.LOST && work.leaseLost()) {
                metrics.count(MetricEvent.LEASE_LOST, work.record().topic(), group);
                LOG.warn("claim on message {} from {} was lost before it was marked done (its lease expired while "
                        + "renewals failed or this process stalled, or the store lost its data, e.g. a restart "
                        + "without persistence): another consumer may run it again", lease.id(),
                        work.record().topic());
            }
            return CompletableFuture.completedFuture(outcome);
        }).thenCompose(stage -> stage);
    }
}
