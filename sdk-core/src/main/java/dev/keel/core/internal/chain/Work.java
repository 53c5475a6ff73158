package dev.keel.core.internal.chain;

import dev.keel.spi.InboundRecord;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One received record on its way through a subscription: its state (queued, running, finished or
 * dropped), where it stands in its lane and its key, its attempt, and a stage that completes when it
 * is finished (acknowledged or dropped). Its idempotency claim is the claims' own
 * ({@code dev.keel.core.internal.claims}).
 */
public final class Work {

    public enum State { QUEUED, RUNNING, FINISHED, DROPPED }

    private final InboundRecord record;
    private final AtomicReference<State> state = new AtomicReference<>(State.QUEUED);
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final CompletableFuture<Void> laneFree = new CompletableFuture<>();
    private final CompletableFuture<Void> parked = new CompletableFuture<>();
    private final CompletableFuture<Void> abandoned = new CompletableFuture<>();
    private volatile int attempt;
    private volatile boolean handlerReturned;
    private volatile boolean namedByClose;
    private volatile boolean handlerCalled;

    public Work(InboundRecord record) {
        this.record = record;
    }

    public InboundRecord record() {
        return record;
    }

    /** QUEUED → RUNNING; false when it was dropped meanwhile. */
    public boolean start() {
        return state.compareAndSet(State.QUEUED, State.RUNNING);
    }

    /** Whether its handler chain started (RUNNING or FINISHED): neither queued nor dropped. */
    public boolean hasStarted() {
        State now = state.get();
        return now == State.RUNNING || now == State.FINISHED;
    }

    /** QUEUED → DROPPED; false when it already started. */
    public boolean drop() {
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
    public boolean markDropped() {
        return state.compareAndSet(State.QUEUED, State.DROPPED);
    }

    /** Completes the stages of a work {@link #markDropped() marked dropped}. */
    public void completeDropped() {
        finished.complete(null);
        laneFree.complete(null);
    }

    public void finish() {
        state.set(State.FINISHED);
        finished.complete(null);
        laneFree.complete(null);
    }

    public boolean isDropped() {
        return state.get() == State.DROPPED;
    }

    /** Whether it {@link #finish() finished}: acknowledged, or left for redelivery, and out of its subscription's books. */
    public boolean isFinished() {
        return state.get() == State.FINISHED;
    }

    public CompletableFuture<Void> finished() {
        return finished;
    }

    /**
     * The handler returned successfully: the next message of its lane may start while this one is
     * marked done and acknowledged. That message is of another key: the next message of this one's
     * key waits until this one {@link #finished()}.
     */
    public void handlerSucceeded() {
        handlerReturned = true;
        laneFree.complete(null);
    }

    /**
     * Whether the handler returned successfully ({@link #handlerSucceeded()}): what is left is marking it
     * done and acknowledging it. A close's timeout names such a message apart from a handler still running.
     */
    public boolean handlerReturned() {
        return handlerReturned;
    }

    /** The handler is being called (an attempt starts): from now on a claim lost may let another consumer repeat it. */
    public void handlerCalled() {
        handlerCalled = true;
    }

    /**
     * Whether the handler was called for this message, at any attempt. A message can be running (past its lane) and
     * not have called it yet: waiting for its claim, or for the store.
     */
    public boolean wasHandlerCalled() {
        return handlerCalled;
    }

    /**
     * A close whose timeout expired named it in its WARN as unfinished, to be delivered again: a loss of its claim
     * found later is that same message coming back, not news.
     */
    public void namedByClose() {
        namedByClose = true;
    }

    public boolean isNamedByClose() {
        return namedByClose;
    }

    /** Completes when the work no longer holds its lane: its handler succeeded, it was parked, or it finished. */
    public CompletableFuture<Void> laneFree() {
        return laneFree;
    }

    /**
     * The work waits for something that may take long and needs no lane (its id is held by another
     * consumer): the lane runs other messages meanwhile, while this one's key stays held back behind it
     * (the key's next message starts only once this one {@link #finished()}).
     */
    public void leaveLane() {
        laneFree.complete(null);
    }

    /**
     * The work can neither finish nor be given up for now (its dead letter is refused): it gives back
     * its lane, and through {@link #parked()} its in-flight slot, while it stays unacknowledged and
     * its key's later messages keep waiting for it. True the first time.
     */
    public boolean park() {
        if (!parked.complete(null)) {
            return false;
        }
        laneFree.complete(null);
        return true;
    }

    /** Completes when the work is parked. */
    public CompletableFuture<Void> parked() {
        return parked;
    }

    public boolean isParked() {
        return parked.isDone();
    }

    /**
     * Its partition was revoked: it is given up, unacknowledged and not dead-lettered, at its next step
     * (its next retry, claim or dead-letter round, at once if it is waiting for one), and its claim
     * is released, for the partition's next owner.
     */
    public void abandon() {
        abandoned.complete(null);
    }

    public boolean isAbandoned() {
        return abandoned.isDone();
    }

    /** Completes when the work is abandoned. */
    public CompletableFuture<Void> abandoned() {
        return abandoned;
    }

    /** The attempt now running (1-based), set by the retry step. */
    public int attempt() {
        return Math.max(attempt, record.deliveryCount());
    }

    public void attempt(int attempt) {
        this.attempt = attempt;
    }

    /**
     * The number of the attempt a retry step starts with: {@code first} for the message's first run,
     * and the next after the last one made when the chain runs it again (a message handled again
     * after its attempts ran out, without dead letters, goes on counting).
     */
    public int nextAttempt(int first) {
        return attempt > 0 ? attempt + 1 : first;
    }
}
