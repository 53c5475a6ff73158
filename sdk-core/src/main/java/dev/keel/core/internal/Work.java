package dev.keel.core.internal;

import dev.keel.dedup.ClaimResult;
import dev.keel.spi.InboundRecord;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One received record on its way through a subscription: its state (queued, running, finished or
 * dropped), the idempotency claim taken for it (and whether the subscription still holds it), and a
 * stage that completes when it is finished (acknowledged or dropped).
 */
final class Work {

    enum State { QUEUED, RUNNING, FINISHED, DROPPED }

    private static final TimeOrderedIds TOKENS = new TimeOrderedIds(Clock.systemUTC());

    /** Touched only by the one step that completes this work's claim, in sequence. */
    private volatile boolean reclaimedAfterLoss;
    private final InboundRecord record;
    /** The owner token of every claim of this delivery: a retried claim must find the lease it may have taken. */
    private final String claimToken = TOKENS.next();
    private final AtomicReference<State> state = new AtomicReference<>(State.QUEUED);
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final CompletableFuture<Void> laneFree = new CompletableFuture<>();
    private final CompletableFuture<Void> parked = new CompletableFuture<>();
    private final CompletableFuture<Void> abandoned = new CompletableFuture<>();
    /** The claim was completed, released or lost: it is no longer renewed. */
    private volatile boolean leaseEnded;
    private final AtomicBoolean leaseLost = new AtomicBoolean();
    private volatile CompletableFuture<ClaimResult> claim;
    private volatile CompletableFuture<Void> previousOfKey;
    private volatile int attempt;
    private volatile long claimedAtMillis;

    Work(InboundRecord record) {
        this.record = record;
    }

    InboundRecord record() {
        return record;
    }

    /** QUEUED → RUNNING; false when it was dropped meanwhile. */
    boolean start() {
        return state.compareAndSet(State.QUEUED, State.RUNNING);
    }

    /** QUEUED → DROPPED; false when it already started. */
    boolean drop() {
        if (markDropped()) {
            completeDropped();
            return true;
        }
        return false;
    }

    /**
     * QUEUED → DROPPED without completing its stages yet; false when it already started. A revoke
     * marks every queued work of its partitions first and completes them after, so no later
     * message of a key can start in the moment between its predecessor's drop and its own.
     */
    boolean markDropped() {
        return state.compareAndSet(State.QUEUED, State.DROPPED);
    }

    /** Completes the stages of a work {@link #markDropped() marked dropped}. */
    void completeDropped() {
        finished.complete(null);
        laneFree.complete(null);
    }

    void finish() {
        state.set(State.FINISHED);
        finished.complete(null);
        laneFree.complete(null);
    }

    /** Whether the id was already claimed again after its completion found the lease lost. */
    boolean isReclaimedAfterLoss() {
        return reclaimedAfterLoss;
    }

    void reclaimedAfterLoss() {
        reclaimedAfterLoss = true;
    }

    boolean isDropped() {
        return state.get() == State.DROPPED;
    }

    CompletableFuture<Void> finished() {
        return finished;
    }

    /**
     * The handler returned successfully: the next message of its lane may start while this one is
     * marked done and acknowledged. That message is of another key: the next message of this one's
     * key waits until this one finished ({@link #previousOfKey()}).
     */
    void handlerSucceeded() {
        laneFree.complete(null);
    }

    /** Completes when the work no longer holds its lane: its handler succeeded, it was parked, or it finished. */
    CompletableFuture<Void> laneFree() {
        return laneFree;
    }

    /**
     * The work waits for something that may take long and needs no lane (its id is held by another
     * consumer): the lane runs other messages meanwhile, while this one's key stays held back behind it
     * ({@link #previousOfKey()} of the key's next message completes only when this one finished).
     */
    void leaveLane() {
        laneFree.complete(null);
    }

    /**
     * The work can neither finish nor be given up for now (its dead letter is refused): it gives back
     * its lane, and through {@link #parked()} its in-flight slot, while it stays unacknowledged and
     * its key's later messages keep waiting for it. True the first time.
     */
    boolean park() {
        if (!parked.complete(null)) {
            return false;
        }
        laneFree.complete(null);
        return true;
    }

    /** Completes when the work is parked. */
    CompletableFuture<Void> parked() {
        return parked;
    }

    boolean isParked() {
        return parked.isDone();
    }

    /**
     * Its partition was revoked: it is given up, unacknowledged and not dead-lettered, at its next step
     * (its next retry, claim or dead-letter round, at once if it is waiting for one), and its claim
     * is released, for the partition's next owner.
     */
    void abandon() {
        abandoned.complete(null);
    }

    boolean isAbandoned() {
        return abandoned.isDone();
    }

    /** Completes when the work is abandoned. */
    CompletableFuture<Void> abandoned() {
        return abandoned;
    }

    /** The subscription no longer holds the claim (completed, released or lost); it is renewed no more. */
    void endLease() {
        leaseEnded = true;
    }

    /** The work holds a claim again (a new claim answered CLAIMED after the previous one was lost). */
    void resumeLease() {
        leaseEnded = false;
    }

    boolean isLeaseEnded() {
        return leaseEnded;
    }

    /** Records that the claim was found lost; true the first time, so it is reported once. */
    boolean leaseLost() {
        return leaseLost.compareAndSet(false, true);
    }

    boolean isLeaseLost() {
        return leaseLost.get();
    }

    /**
     * Completes when the previous message of the same key (under per-key ordering) finished: marked
     * done and acknowledged, or given up; {@code null} when there is none to wait for.
     */
    CompletableFuture<Void> previousOfKey() {
        return previousOfKey;
    }

    void previousOfKey(CompletableFuture<Void> finished) {
        this.previousOfKey = finished;
    }

    /** The attempt now running (1-based), set by the retry step. */
    int attempt() {
        return Math.max(attempt, record.deliveryCount());
    }

    void attempt(int attempt) {
        this.attempt = attempt;
    }

    String claimToken() {
        return claimToken;
    }

    CompletableFuture<ClaimResult> claim() {
        return claim;
    }

    /** Attaches the claim requested for this work at {@code requestedAtMillis} (its lease starts no earlier). */
    void claim(CompletableFuture<ClaimResult> claim, long requestedAtMillis) {
        this.claimedAtMillis = requestedAtMillis;
        this.claim = claim;
    }

    /** The claim was renewed by a request made at {@code requestedAtMillis}. */
    void renewed(long requestedAtMillis) {
        this.claimedAtMillis = Math.max(claimedAtMillis, requestedAtMillis);
    }

    /** When the claim was last requested or renewed (its lease runs from no earlier). */
    long claimRequestedAtMillis() {
        return claimedAtMillis;
    }
}
