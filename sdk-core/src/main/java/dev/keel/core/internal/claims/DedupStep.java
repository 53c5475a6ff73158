package dev.keel.core.internal.claims;

import dev.keel.NonRetriableException;
import dev.keel.core.internal.chain.ClaimEnded;
import dev.keel.core.internal.chain.Delays;
import dev.keel.core.internal.chain.LogContext;
import dev.keel.core.internal.chain.Outcome;
import dev.keel.core.internal.chain.Step;
import dev.keel.core.internal.chain.StepContext;
import dev.keel.core.internal.chain.Work;
import dev.keel.core.internal.util.Futures;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.LeaseOutcome;
import dev.keel.metrics.MetricEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EFFECTIVELY_ONCE: runs the rest of the chain only under a claim on the message id. DUPLICATE is
 * acknowledged without running it. BUSY (another owner's lease) gives back the lane and waits in
 * {@link BusyWaits}, claimed again with every other waiting message in one batch each tick, while
 * the message stays unacknowledged and its key's later messages wait behind it. A claim held is
 * renewed by the subscription's {@link LeaseKeeper} for as long as the message runs, retries or
 * waits to be marked done; after success the id is marked done before the acknowledgement; after
 * failure the claim stays held (and renewed) for the dead-lettering, which marks or releases it
 * ({@link DeadMarks}). A prefetched claim that no renewal reached for half its lease (the store was
 * unreachable) is renewed before the handler runs. A message retried in place whose claim a renewal found done or
 * taken by another consumer between two attempts ({@link ClaimEnded}) asks for its id again instead of running its next
 * attempt. While the store is unavailable nothing runs: the
 * claim (or the completion) is retried and the consumer is paused. Every claim of a delivery uses its
 * one token, so a retry after a claim whose reply was lost finds its own lease (CLAIMED) instead of
 * waiting it out as BUSY. A message whose partition was revoked is given up (DROPPED, its claim
 * released). A message whose id the store can never hold ({@code IdempotencyStore.checkId}) is not claimed: it
 * fails at once with a {@link NonRetriableException}, is dead-lettered with that cause and acknowledged, and its
 * key and partition go on.
 */
public final class DedupStep implements Step {

    private static final Logger LOG = LoggerFactory.getLogger(DedupStep.class);

    private final Step next;
    private final Claims claims;
    private final StoreAccess store;
    private final LeaseKeeper leases;
    private final Clock clock;
    private final Duration lease;
    private final Duration retryInterval;
    private final Delays delays;
    private final BooleanSupplier stopped;
    private final StepContext context;

    public DedupStep(Step next, Claims claims, StepContext context) {
        this.next = next;
        this.claims = claims;
        this.store = claims.store();
        this.leases = claims.leases();
        this.clock = claims.clock();
        this.lease = claims.policy().lease();
        this.retryInterval = claims.policy().storeRetryInterval();
        this.delays = context.delays();
        this.stopped = context.stopped();
        this.context = context;
    }

    @Override
    public CompletionStage<Outcome> handle(Work work) {
        Claim claim = claims.of(work);
        if (claim.unstorable() != null) {
            // never claimable, so never run: it fails for good, and the dead-lettering acknowledges it
            return CompletableFuture.failedFuture(new NonRetriableException("the idempotency store can never hold"
                    + " this message's id, so it cannot be claimed: " + claim.unstorable().getMessage(),
                    claim.unstorable()));
        }
        CompletableFuture<ClaimResult> prefetched = claim.requested();
        if (prefetched == null || claim.taken() > 0) {
            // none asked for on receipt; or the message runs again (parked without dead letters, KeepHandlingStep) and
            // the answer on receipt is old news: a BUSY one would end the claim held since as lost
            // (PrefetchedClaimLostTest); asked again with its token, a claim still held answers CLAIMED
            return afterClaim(claim, claim(claim));
        }
        // The heartbeat renews a prefetched claim while its message waits for its key or a lane; one it could not
        // reach for half the lease (the store was unreachable) is renewed now, with the same token, before the handler
        // runs.
        // A BUSY answer that is older than a retry interval (the message waited behind its key's previous one)
        // is asked again at once rather than at the next tick. One that failed then (maybe long ago, with its
        // whole batch) is tried again at once, with the same token, before the store is taken for down:
        // otherwise each message of a failed batch would wait its own interval.
        CompletableFuture<ClaimResult> answer = prefetched.thenCompose(result -> {
            long age = clock.millis() - claim.requestedAtMillis();
            // a claim a renewal found taken or done meanwhile (ended) is asked again too: run on it, the handler ran
            // beside the id's other consumer (PrefetchedClaimLostTest); so is one that looks requested later than
            // now: the clock stepped back, and its real age is unknown (ClockSteppedBackWhileWaitingTest)
            boolean stale = result.isClaimed() ? claim.isEnded() || age < 0 || age > lease.toMillis() / 2
                    : result.status() == ClaimResult.Status.BUSY && age >= retryInterval.toMillis();
            return stale ? claim(claim) : CompletableFuture.completedFuture(result);
        }).exceptionallyCompose(error -> claim(claim));
        // a claim answered before its message reached its lane (the usual case: claims are asked for on receipt, and
        // the message takes its lane only once that claim is answered) goes on at once on this thread, a handler
        // thread, instead of through the handler pool's queue; one asked for again here (stale, or failed) goes on
        // through the handler pool once answered
        return answer.isDone() ? afterClaim(claim, answer, Runnable::run, this::runClaimed)
                : afterClaim(claim, answer);
    }

    private CompletableFuture<ClaimResult> claim(Claim claim) {
        long requestedAt = clock.millis();
        return store.claim(claim).thenApply(result -> {
            if (result.isClaimed()) {
                claim.renewed(requestedAt);
            }
            return result;
        });
    }

    private CompletionStage<Outcome> afterClaim(Claim claim, CompletionStage<ClaimResult> answer) {
        return afterClaim(claim, answer, delays.executor(), this::runClaimed);
    }

    /**
     * {@code on}: where the answer is taken up, a handler thread (never the store thread that answered);
     * {@code whenClaimed}: what runs once the id is CLAIMED.
     */
    private CompletionStage<Outcome> afterClaim(Claim claim, CompletionStage<ClaimResult> answer, Executor on,
                                                Function<Claim, CompletionStage<Outcome>> whenClaimed) {
        Work work = claim.work();
        // continue on the handler threads: the claim completes on a store thread, which must never run handlers
        return answer.handleAsync((result, error) -> {
            if (error != null) {
                if (context.givenUp(work)) {
                    leases.release(claim); // it may have been written, its answer lost: a release removes only ours
                    return CompletableFuture.completedFuture(Outcome.DROPPED);
                }
                store.unavailable(error);
                return delays.after(retryInterval, () -> afterClaim(claim, claim(claim), delays.executor(),
                        whenClaimed));
            }
            store.available();
            if (result.isClaimed()) {
                leases.claimed(claim);
            } else if (result.status() == ClaimResult.Status.BUSY) {
                leases.busy(claim); // a claim it held (prefetched, then not renewed in time) is lost
            }
            if (context.givenUp(work)) {
                if (result.isClaimed()) {
                    leases.release(claim);
                }
                return CompletableFuture.completedFuture(Outcome.DROPPED);
            }
            return switch (result.status()) {
                case DUPLICATE -> CompletableFuture.completedFuture(Outcome.DUPLICATE);
                case BUSY -> {
                    work.leaveLane();
                    yield afterClaim(claim, claims.busyWaits().await(claim), delays.executor(), whenClaimed);
                }
                case CLAIMED -> whenClaimed.apply(claim);
            };
        }, on).thenCompose(stage -> stage);
    }

    private CompletionStage<Outcome> runClaimed(Claim claim) {
        Work work = claim.work();
        // on failure the claim stays: the dead-lettering around this step marks it dead once the dead letter is
        // confirmed (so a copy of the message arriving meanwhile is BUSY, then DUPLICATE, and is never run or
        // dead-lettered twice), or releases it when the message is dropped for redelivery
        return Futures.call(() -> next.handle(work)).handle((outcome, error) -> {
            if (error == null) {
                return succeeded(claim, outcome);
            }
            if (Futures.unwrap(error) instanceof ClaimEnded ended) {
                // between two attempts a renewal found the id done or taken by another consumer: the next attempt
                // would run after or beside that consumer's; asked for again instead (ClaimLostWhileRetryingTest)
                if (context.givenUp(work)) {
                    return CompletableFuture.<Outcome>failedFuture(ended.getCause());
                }
                // after the last attempt the policy allows, a claim taken again goes to the dead-lettering, not to
                // another run
                return afterClaim(claim, claim(claim), delays.executor(), ended.lastAttempt()
                        ? held -> CompletableFuture.<Outcome>failedFuture(ended.getCause()) : this::runClaimed);
            }
            return CompletableFuture.<Outcome>failedFuture(error);
        }).thenCompose(stage -> stage);
    }

    private CompletionStage<Outcome> succeeded(Claim claim, Outcome outcome) {
        claim.work().handlerSucceeded();
        if (outcome == Outcome.RETRY_SCHEDULED || outcome == Outcome.RELEASED) {
            // retried later from the retry topic, or redelivered by the broker, under the same id: released,
            // not marked done
            leases.release(claim);
            return CompletableFuture.completedFuture(outcome);
        }
        return complete(claim, outcome);
    }

    private CompletionStage<Outcome> reclaimAfterLoss(Claim claim, Outcome outcome) {
        return store.claim(claim.id(), claim.token()).handle((answer, error) -> {
            if (error != null) {
                if (stopped.getAsBoolean()) {
                    return CompletableFuture.completedFuture(Outcome.DROPPED);
                }
                store.unavailable(error);
                return delays.after(retryInterval, () -> reclaimAfterLoss(claim, outcome));
            }
            if (answer.isClaimed()) {
                return complete(claim, outcome); // no one took it meanwhile: marked done now (APPLIED)
            }
            // DUPLICATE or BUSY: another delivery has it, or the store marked it done over another delivery's state
            // (the Redis store writes the done mark over another token's lease); completing again would answer LOST,
            // or APPLIED over this claim's own mark, which would hide the loss: it is reported as lost now
            return CompletableFuture.completedFuture(lost(claim, outcome));
        }).thenCompose(stage -> stage);
    }

    private CompletionStage<Outcome> complete(Claim claim, Outcome outcome) {
        return store.complete(claim.lease()).handle((result, error) -> {
            if (error != null) {
                if (stopped.getAsBoolean()) {
                    return CompletableFuture.completedFuture(Outcome.DROPPED);
                }
                store.unavailable(error);
                return delays.after(retryInterval, () -> complete(claim, outcome));
            }
            store.available();
            if (result == LeaseOutcome.LOST && !claim.isReclaimedAfterLoss()) {
                // the lease expired before the id was marked done (the store was away longer than the lease): claim it
                // again with the same token; if no one else took it meanwhile, it is marked done after all
                claim.reclaimedAfterLoss();
                return reclaimAfterLoss(claim, outcome);
            }
            if (result == LeaseOutcome.LOST) {
                return CompletableFuture.completedFuture(lost(claim, outcome));
            }
            leases.done(claim);
            return CompletableFuture.completedFuture(outcome);
        }).thenCompose(stage -> stage);
    }

    /**
     * The claim was found lost when the id was marked done: renewed no more, reported once; {@code outcome} stands.
     * A message the close's WARN already named as running again (its timeout expired before it was marked done) is
     * counted but logged at DEBUG: its loss is that same message coming back, not news.
     */
    private Outcome lost(Claim claim, Outcome outcome) {
        leases.done(claim);
        if (claim.lost()) {
            context.count(MetricEvent.LEASE_LOST, claim.work());
            if (claim.work().isNamedByClose()) {
                LogContext.run(claim.work(), context.group(), () ->
                        LOG.debug("claim on message {} from {} was lost before its late done mark answered; the "
                                + "close of its subscription named it as running again", claim.id(),
                                claim.work().record().topic()));
                return outcome;
            }
            LogContext.run(claim.work(), context.group(), () ->
                    LOG.warn("claim on message {} from {} was lost before it was marked done (its lease expired "
                            + "while renewals failed or this process stalled, or the store lost its data, e.g. a "
                            + "restart without persistence): another consumer may run it again", claim.id(),
                            claim.work().record().topic()));
        }
        return outcome;
    }
}
