package dev.keel.core.internal;

import dev.keel.spi.support.KeyHash;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * N lanes over an executor. A task submitted with a key runs in lane {@code hash(key) mod N}; each
 * lane runs one task at a time, in submission order, and starts the next only when the previous
 * task's stage has completed (so a task waiting for a backoff holds its lane without holding a
 * thread). Tasks without a key are spread round-robin. Different lanes run in parallel. Each lane
 * tells since when (on the given clock) its current task has held it, to find stalled lanes.
 */
final class KeyOrderedExecutor {

    private final Lane[] lanes;
    private final Executor executor;
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final Clock clock;

    KeyOrderedExecutor(int laneCount, Executor executor) {
        this(laneCount, executor, Clock.systemUTC());
    }

    KeyOrderedExecutor(int laneCount, Executor executor, Clock clock) {
        this.clock = clock;
        if (laneCount < 1) {
            throw new IllegalArgumentException("laneCount must be >= 1, was " + laneCount);
        }
        this.executor = executor;
        this.lanes = new Lane[laneCount];
        for (int i = 0; i < laneCount; i++) {
            lanes[i] = new Lane();
        }
    }

    /** The lane a key maps to; a null key gets the next lane round-robin. */
    int laneFor(String key) {
        return key == null ? Math.floorMod(roundRobin.getAndIncrement(), lanes.length) : KeyHash.laneOf(key, lanes.length);
    }

    /** Queues {@code task} on {@code key}'s lane; the returned stage completes with the task's stage. */
    <T> CompletionStage<T> submit(String key, Supplier<? extends CompletionStage<T>> task) {
        return submitToLane(laneFor(key), task);
    }

    <T> CompletionStage<T> submitToLane(int lane, Supplier<? extends CompletionStage<T>> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        lanes[lane].enqueue(() -> {
            CompletionStage<T> stage = Futures.call(task);
            stage.whenComplete((v, e) -> {
                if (e == null) {
                    result.complete(v);
                } else {
                    result.completeExceptionally(e);
                }
            });
            return stage;
        });
        return result;
    }

    int laneCount() {
        return lanes.length;
    }

    /** Since when (clock millis) {@code lane}'s current task has held it; -1 when the lane is idle. */
    long heldSince(int lane) {
        return lanes[lane].heldSince;
    }

    /** How many tasks {@code lane} has started: a different count means it moved on. */
    long started(int lane) {
        return lanes[lane].started;
    }

    /** One FIFO lane: at most one task's stage outstanding at a time. */
    private final class Lane {
        private final ArrayDeque<Supplier<CompletionStage<?>>> queue = new ArrayDeque<>();
        private boolean busy;
        private volatile long heldSince = -1;
        private volatile long started;

        void enqueue(Supplier<CompletionStage<?>> task) {
            synchronized (this) {
                queue.addLast(task);
                if (busy) {
                    return;
                }
                busy = true;
            }
            runNext();
        }

        private void runNext() {
            Supplier<CompletionStage<?>> task;
            synchronized (this) {
                task = queue.pollFirst();
                if (task == null) {
                    busy = false;
                    return;
                }
            }
            try {
                executor.execute(() -> run(task));
            } catch (RuntimeException rejected) {
                // the executor is shut down: the subscription is closing and drops what is queued
                synchronized (this) {
                    queue.clear();
                    busy = false;
                }
            }
        }

        private void run(Supplier<CompletionStage<?>> task) {
            heldSince = clock.millis();
            started++; // written by one task at a time: a lane runs its tasks one after another
            CompletionStage<?> stage;
            try {
                stage = task.get();
            } catch (RuntimeException | Error e) {
                stage = CompletableFuture.failedFuture(e);
            }
            stage.whenComplete((v, e) -> {
                heldSince = -1;
                runNext();
            });
        }
    }
}
