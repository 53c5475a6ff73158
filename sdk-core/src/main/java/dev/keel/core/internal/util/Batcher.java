package dev.keel.core.internal.util;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Group commit for a blocking batch call: requests that arrive while the calls allowed are under way
 * are gathered into the next call (up to {@code maxBatch}), so a round trip serves many requests
 * under load and a lone request still goes out at once. At most {@code maxCalls} calls run at once
 * on {@code executor} (one, unless said): with more than one, a request arriving during a call waits
 * for no round trip but its own while a slot is free, which is what bounds a message's wait for its
 * store call when the store is a network hop away. A batch's results are completed after the next
 * call was handed to {@code executor}, so with more than one thread the callbacks of one batch
 * overlap the next round trip.
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

    public Batcher(Function<List<I>, List<O>> call, Executor executor, int maxBatch) {
        this(call, executor, maxBatch, 1);
    }

    public Batcher(Function<List<I>, List<O>> call, Executor executor, int maxBatch, int maxCalls) {
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
    }

    public CompletableFuture<O> submit(I input) {
        CompletableFuture<O> result = new CompletableFuture<>();
        queue.add(new Request<>(input, result));
        schedule();
        return result;
    }

    public List<CompletableFuture<O>> submitAll(List<I> inputs) {
        List<CompletableFuture<O>> results = new ArrayList<>(inputs.size());
        for (I input : inputs) {
            CompletableFuture<O> result = new CompletableFuture<>();
            queue.add(new Request<>(input, result));
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
            List<Request<I, O>> batch = new ArrayList<>();
            Request<I, O> r;
            while (batch.size() < maxBatch && (r = queue.poll()) != null) {
                batch.add(r);
            }
            if (!batch.isEmpty()) {
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
