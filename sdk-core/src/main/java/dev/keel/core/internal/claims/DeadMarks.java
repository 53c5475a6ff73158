package dev.keel.core.internal.claims;

import dev.keel.core.internal.chain.DeadLetterMarks;
import dev.keel.core.internal.chain.Delays;
import dev.keel.core.internal.chain.Outcome;
import dev.keel.core.internal.chain.Work;
import dev.keel.dedup.Lease;
import dev.keel.dedup.LeaseOutcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claims' part in dead-lettering. A confirmed dead letter marks its id dead in the store (the
 * claim the idempotency step kept, renewed with the delivery's token, then marked with
 * {@link dev.keel.dedup.IdempotencyStore#markDead}) before the acknowledgement, so a redelivery after
 * a crash between the dead letter and the acknowledgement is acknowledged as a duplicate instead of
 * being dead-lettered again, while a copy re-driven from the dead-letter topic may claim it and run
 * once more. A re-driven copy that is dead-lettered again first marks the dead letter it came from
 * used ({@link RedriveClaims#markLetterUsed}), so that its redelivery, or a second re-drive of the
 * same letter, is acknowledged without running. While the store is unreachable this is retried (the
 * consumer pauses); an id another consumer holds meanwhile is left to it. A message given up for
 * redelivery has its claim released, so the redelivery need not wait for its lease.
 */
final class DeadMarks implements DeadLetterMarks {

    private static final Logger LOG = LoggerFactory.getLogger(DeadMarks.class);
    /** Claim-and-complete tries when a late release of the handling claim undid the fresh claim. */
    private static final int MARK_TRIES = 3;

    /** What marking a dead-lettered id came to. */
    private enum Mark {
        /** Marked now, or already. */
        DONE,
        /** Another consumer holds the id (it was redelivered to it meanwhile): left to it. */
        HELD_ELSEWHERE,
        /** Claimed, but the mark found no claim: the handling claim's release ran after the claim. */
        UNDONE
    }

    private final Function<Work, Claim> claimOf;
    private final StoreAccess store;
    private final LeaseKeeper leases;
    private final Delays delays;
    private final BooleanSupplier stopped;
    private final Duration retryInterval;

    /** {@code claimOf}: the claim of a message (its subscription's {@link Claims}). */
    DeadMarks(Function<Work, Claim> claimOf, StoreAccess store, LeaseKeeper leases, Delays delays,
              BooleanSupplier stopped, Duration retryInterval) {
        this.claimOf = claimOf;
        this.store = store;
        this.leases = leases;
        this.delays = delays;
        this.stopped = stopped;
        this.retryInterval = retryInterval;
    }

    @Override
    public CompletionStage<Outcome> deadLettered(Work work) {
        Claim claim = claimOf.apply(work);
        if (claim.unstorable() != null) {
            leases.done(claim); // never claimed, and no mark can be stored for its id
            return CompletableFuture.completedFuture(Outcome.DEAD_LETTERED);
        }
        // whatever the mark's outcome, this subscription renews the claim no more
        return markLetterUsed(claim).thenCompose(v -> markDead(claim, 1))
                .whenComplete((outcome, error) -> leases.done(claim));
    }

    @Override
    public void givenUp(Work work) {
        Claim claim = claimOf.apply(work);
        if (claim.unstorable() != null) {
            leases.done(claim); // never claimed: nothing to release
            return;
        }
        leases.release(claim); // after any renewal under way, which would otherwise bring it back
    }

    private boolean givenUp(Claim claim) {
        return stopped.getAsBoolean() || claim.work().isAbandoned();
    }

    /** Retried while the store is unreachable; given up when the subscription stops or the message is revoked. */
    private CompletionStage<Void> markLetterUsed(Claim claim) {
        return store.markLetterUsed(claim).handleAsync((marked, error) -> {
            if (givenUp(claim)) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (error != null) {
                store.unavailable(error);
                return delays.after(retryInterval, () -> markLetterUsed(claim));
            }
            store.available();
            return marked ? CompletableFuture.<Void>completedFuture(null)
                    : delays.after(retryInterval, () -> markLetterUsed(claim));
        }, delays.executor()).thenCompose(stage -> stage);
    }

    /**
     * The handling claim is still held by the delivery's token (the idempotency step keeps it on
     * failure): claiming again with that token renews it, and it is marked dead. Already done or dead
     * (DUPLICATE) is fine; held by another consumer (BUSY: the claim expired meanwhile) is left to it.
     */
    private CompletionStage<Outcome> markDead(Claim claim, int tries) {
        String id = claim.id();
        return store.claim(id, claim.token()).thenCompose(answer -> switch (answer.status()) {
            case CLAIMED -> store.markDead(new Lease(id, answer.token()))
                    .thenApply(done -> done == LeaseOutcome.APPLIED ? Mark.DONE : Mark.UNDONE);
            case DUPLICATE -> CompletableFuture.completedFuture(Mark.DONE);
            case BUSY -> CompletableFuture.completedFuture(Mark.HELD_ELSEWHERE);
        }).handleAsync((mark, error) -> {
            if (givenUp(claim)) {
                // the dead letter is confirmed: acknowledging is right wherever the engine still may
                return CompletableFuture.completedFuture(Outcome.DEAD_LETTERED);
            }
            if (error != null) {
                store.unavailable(error);
                return delays.after(retryInterval, () -> markDead(claim, tries));
            }
            store.available();
            return switch (mark) {
                case DONE -> CompletableFuture.completedFuture(Outcome.DEAD_LETTERED);
                case HELD_ELSEWHERE -> {
                    LOG.debug("dead-lettered message {} is held by another consumer now; it is not marked "
                            + "done here", id);
                    yield CompletableFuture.completedFuture(Outcome.DEAD_LETTERED);
                }
                case UNDONE -> {
                    if (tries < MARK_TRIES) {
                        yield markDead(claim, tries + 1);
                    }
                    LOG.warn("dead-lettered message {} from {} could not be marked done; a redelivery would "
                            + "dead-letter it again", id, claim.work().record().topic());
                    yield CompletableFuture.completedFuture(Outcome.DEAD_LETTERED);
                }
            };
        }, delays.executor()).thenCompose(stage -> stage);
    }
}
