package dev.keel.core.internal.claims;

import dev.keel.core.internal.chain.Work;
import dev.keel.core.internal.util.TimeOrderedIds;
import dev.keel.dedup.ClaimResult;
import dev.keel.dedup.Lease;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The idempotency claim of one received message: the token every claim of this delivery uses (so a
 * claim retried after a lost reply finds its own lease), the claim requested for it, when it was last
 * requested or renewed, and whether the subscription still holds it. Created by {@link Claims} when
 * the message arrives (or when it first runs), dropped with the message.
 */
final class Claim {

    private static final TimeOrderedIds TOKENS = new TimeOrderedIds(Clock.systemUTC());

    private final Work work;
    private final String token = TOKENS.next();
    private volatile CompletableFuture<ClaimResult> requested;
    /** Completes once the claim requested on receipt is answered and, when CLAIMED, held for renewal; null before. */
    private volatile CompletionStage<?> prefetchSettled;
    private volatile long requestedAtMillis;
    /** Completed, released or lost: renewed no more. */
    private volatile boolean ended;
    /** How many times a claim step found it CLAIMED; a renewal's answer is stale if this moved since it was sent. */
    private volatile int taken;
    private final AtomicBoolean lost = new AtomicBoolean();
    /** Touched only by the one step that completes the claim, in sequence. */
    private volatile boolean reclaimedAfterLoss;

    /**
     * A copy re-driven by an earlier Keel whose probe found its id dead: from then on it is claimed as re-driven at
     * once (asked again after a lost reply, a probe with this token would find this claim's own lease and read it as
     * "not dead").
     */
    private volatile boolean foundDead;

    /** Why the store can never hold this message's id (it is then never claimed), or null. */
    private volatile IllegalArgumentException unstorable;

    Claim(Work work) {
        this.work = work;
    }

    /** Why the store can never hold this message's id, or null when it can. */
    IllegalArgumentException unstorable() {
        return unstorable;
    }

    void unstorable(IllegalArgumentException why) {
        this.unstorable = why;
    }

    Work work() {
        return work;
    }

    String id() {
        return work.record().id();
    }

    String token() {
        return token;
    }

    /** The store's lease of this claim: the id and this delivery's token. */
    Lease lease() {
        return new Lease(id(), token);
    }

    /** The claim requested for the message (prefetched when it arrived, or when it ran); null before. */
    CompletableFuture<ClaimResult> requested() {
        return requested;
    }

    /** Attaches the claim requested at {@code requestedAtMillis} (its lease starts no earlier). */
    void requested(CompletableFuture<ClaimResult> claim, long requestedAtMillis) {
        this.requestedAtMillis = requestedAtMillis;
        this.requested = claim;
    }

    /** What completes once the claim requested on receipt has its answer and is held (when CLAIMED); null if none. */
    CompletionStage<?> prefetchSettled() {
        return prefetchSettled;
    }

    void prefetchSettled(CompletionStage<?> settled) {
        this.prefetchSettled = settled;
    }

    /**
     * The claim was renewed by a request made at {@code requestedAtMillis}. Taken as it is, even when older than the
     * time held (an earlier request answered last, or the clock stepped back): an earlier time only brings the next
     * renewal forward, while keeping a time the clock has stepped back from would hold renewals back.
     */
    void renewed(long requestedAtMillis) {
        this.requestedAtMillis = requestedAtMillis;
    }

    /** When the claim was last requested or renewed (its lease runs from no earlier). */
    long requestedAtMillis() {
        return requestedAtMillis;
    }

    /** The subscription no longer holds the claim (completed, released or lost): it is renewed no more. */
    void end() {
        ended = true;
    }

    /** The claim is held again (a new claim answered CLAIMED after the previous one was lost). */
    void resume() {
        taken++; // written by the one step that runs the message, in sequence
        ended = false;
    }

    /**
     * How many times the step that runs the message found it CLAIMED: an answer to a renewal sent before the last of
     * them speaks of an earlier hold, not this one.
     */
    int taken() {
        return taken;
    }

    boolean isEnded() {
        return ended;
    }

    /** Records that the claim was found lost; true the first time, so it is reported once. */
    boolean lost() {
        return lost.compareAndSet(false, true);
    }

    /** Whether a probe found this re-driven copy's id dead (see {@link #foundDead()}). */
    boolean isFoundDead() {
        return foundDead;
    }

    void foundDead() {
        foundDead = true;
    }

    /** Whether the id was claimed again after its completion found the lease lost. */
    boolean isReclaimedAfterLoss() {
        return reclaimedAfterLoss;
    }

    void reclaimedAfterLoss() {
        reclaimedAfterLoss = true;
    }
}
