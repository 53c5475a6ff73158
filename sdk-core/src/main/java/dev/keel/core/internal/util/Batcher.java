package dev.keel.core.internal.util;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Group commit for a blocking batch call: requests that arrive while the calls allowed are under way
 * are gathered into the next call (up to {@code maxBatch}), so a round trip serves many requests
 * under load and a lone request still goes out at once. At most {@code maxCalls} calls run at once
 * on {@code executor} (one, unless said): with more than one, a request arriving during a call waits
 * for no round trip but its own while a slot is free, which is what bounds a message's wait for its
 * store call when the store is a network hop away. A batch's results are completed after the next
 * call was handed to {@code executor}, so with more than one thread the callbacks of one batch
 * overlap the next round trip. With {@link Followers#awaited}, a call after a slow one waits a little
 * for the requests its answers set off ({@link #waitForFollowers}).
 */
public final class Batcher<I, O> {

    private record Request<I, O>(I input, CompletableFuture<O> result) {
    }

    private final Function<List<I>, List<O>> call;
    private final Executor executor;
    private final int maxBatch;
    private final ConcurrentLinkedQueue<Request<I, O>> queue = new ConcurrentLinkedQueue<>();
    private final int maxCalls;
    /** Calls running or handed to the executor. */
    private final AtomicInteger running = new AtomicInteger();
    /** Requests queued, not yet taken into a call. */
    private final AtomicInteger queued = new AtomicInteger();
    private final Followers followers;
    /** The last call's size and its duration: what {@link #waitForFollowers} waits for, and how long at most. */
    private volatile int lastSize;
    private volatile long lastCallNanos;
    /** Calls shorter than this (a store on the same host or rack) never wait for followers. */
    static final long FOLLOWERS_MIN_CALL_NANOS = 400_000;
    /** The longest a call waits for followers, whatever the last call took. */
    static final long FOLLOWERS_MAX_WAIT_NANOS = 2_000_000;
    /** How often a call waiting for followers looks whether they came. */
    private static final long FOLLOWERS_POLL_NANOS = 50_000;

    /**
     * Whether a call waits for the requests that follow the last call's answers ({@link #waitForFollowers}), and the
     * clock it times calls and the wait with.
     */
    public record Followers(boolean awaited, LongSupplier nanoTime) {

        /** Calls go out at once. */
        public static final Followers NOT_AWAITED = new Followers(false, System::nanoTime);

        /** Calls that follow slow ones wait a little for the last call's followers, timed with {@code nanoTime}. */
        public static Followers awaited(LongSupplier nanoTime) {
            return new Followers(true, nanoTime);
        }
    }

    public Batcher(Function<List<I>, List<O>> call, Executor executor, int maxBatch) {
        this(call, executor, maxBatch, 1);
    }

    public Batcher(Function<List<I>, List<O>> call, Executor executor, int maxBatch, int maxCalls) {
        this(call, executor, maxBatch, maxCalls, Followers.NOT_AWAITED);
    }

    public Batcher(Function<List<I>, List<O>> call, Executor executor, int maxBatch, int maxCalls,
                   Followers followers) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, was " + maxBatch);
        }
        if (maxCalls < 1) {
            throw new IllegalArgumentException("maxCalls must be >= 1, was " + maxCalls);
        }
        this.call = call;
        this.executor = executor;
        this.maxBatch = maxBatch;
        this.maxCalls = maxCalls;
        this.followers = followers;
    }

    public CompletableFuture<O> submit(I input) {
        CompletableFuture<O> result = new CompletableFuture<>();
        queue.add(new Request<>(input, result));
        queued.incrementAndGet();
        schedule();
        return result;
    }

    public List<CompletableFuture<O>> submitAll(List<I> inputs) {
        List<CompletableFuture<O>> results = new ArrayList<>(inputs.size());
        for (I input : inputs) {
            CompletableFuture<O> result = new CompletableFuture<>();
            queue.add(new Request<>(input, result));
            queued.incrementAndGet();
            results.add(result);
        }
        schedule();
        return results;
    }

    private void schedule() {
        while (!queue.isEmpty()) {
            int now = running.get();
            if (now >= maxCalls) {
                return; // a running call schedules the next when it ends
            }
            if (!running.compareAndSet(now, now + 1)) {
                continue;
            }
            try {
                executor.execute(this::drain);
            } catch (RuntimeException rejected) {
                running.decrementAndGet();
                Request<I, O> r;
                while ((r = queue.poll()) != null) {
                    queued.decrementAndGet();
                    r.result().completeExceptionally(rejected);
                }
                return;
            }
        }
    }

    /**
     * One call, then the next drain is scheduled before this batch's results are completed: their
     * callbacks (the work that continues after a claim or a completion) run on this thread while the
     * next call's round trip is already under way on another, instead of delaying it.
     */
    private void drain() {
        Runnable settle = null;
        try {
            if (followers.awaited()) {
                waitForFollowers();
            }
            List<Request<I, O>> batch = new ArrayList<>();
            Request<I, O> r;
            while (batch.size() < maxBatch && (r = queue.poll()) != null) {
                batch.add(r);
                queued.decrementAndGet();
            }
            if (!batch.isEmpty() && followers.awaited()) {
                long start = followers.nanoTime().getAsLong();
                settle = run(batch);
                lastCallNanos = followers.nanoTime().getAsLong() - start;
                lastSize = batch.size();
            } else if (!batch.isEmpty()) {
                settle = run(batch);
            }
        } finally {
            running.decrementAndGet();
            schedule();
        }
        if (settle != null) {
            settle.run();
        }
    }

    /**
     * When calls take long (a store a network hop away), a call waits a little for the requests that follow the last
     * call's answers, so that they go together instead of one or two a call: under EFFECTIVELY_ONCE, a key's next
     * done mark comes once its next message ran, which takes the hand-off to a lane after the last call's answer.
     * Sent at once, those marks went out a few per call, and each key waited for a call slot as well as its own round
     * trip. It waits until as many requests are queued as the last call carried, at most a quarter of the last call's
     * duration (and {@link #FOLLOWERS_MAX_WAIT_NANOS}); after a call shorter than {@link #FOLLOWERS_MIN_CALL_NANOS} it
     * does not wait.
     */
    private void waitForFollowers() {
        long call = lastCallNanos;
        int wanted = lastSize;
        if (call < FOLLOWERS_MIN_CALL_NANOS || queued.get() >= wanted) {
            return;
        }
        LongSupplier clock = followers.nanoTime();
        long deadline = clock.getAsLong() + Math.min(call / 4, FOLLOWERS_MAX_WAIT_NANOS);
        long left;
        while (queued.get() < wanted && (left = deadline - clock.getAsLong()) > 0) {
            LockSupport.parkNanos(Math.min(left, FOLLOWERS_POLL_NANOS));
        }
    }

    /** Makes the call; answers what completes the batch's results (never throws). */
    private Runnable run(List<Request<I, O>> batch) {
        List<I> inputs = new ArrayList<>(batch.size());
        for (Request<I, O> r : batch) {
            inputs.add(r.input());
        }
        try {
            List<O> outputs = call.apply(inputs);
            if (outputs.size() != batch.size()) {
                throw new IllegalStateException("batch call returned " + outputs.size() + " results for "
                        + batch.size() + " inputs");
            }
            return () -> {
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).result().complete(outputs.get(i));
                }
            };
        } catch (Throwable e) { // the store's call, whatever it throws: every request of the batch fails with it
            return () -> {
                for (Request<I, O> req : batch) {
                    req.result().completeExceptionally(e);
                }
            };
        }
    }
}
