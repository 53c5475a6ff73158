package dev.keel.core.internal.chain;

import dev.keel.ClosedException;
import dev.keel.core.internal.util.Futures;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/** Runs a stage-returning action after a delay, on the subscription's executor, without blocking a thread. */
public final class Delays {

    private final ScheduledExecutorService scheduler;
    private final Executor executor;

    public Delays(ScheduledExecutorService scheduler, Executor executor) {
        this.scheduler = scheduler;
        this.executor = executor;
    }

    /** The subscription's handler executor. */
    public Executor executor() {
        return executor;
    }

    /**
     * The stage {@code action} returns, or failed with {@code timeout}'s error when it is not
     * complete within {@code limit} (the action itself goes on; its late outcome is ignored).
     */
    public <T> CompletableFuture<T> within(Duration limit, Supplier<? extends CompletionStage<T>> action,
                                    Supplier<? extends Throwable> timeout) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Futures.call(action).whenComplete((v, e) -> {
            if (e == null) {
                result.complete(v);
            } else {
                result.completeExceptionally(Futures.unwrap(e));
            }
        });
        if (!result.isDone()) {
            try {
                ScheduledFuture<?> timer = scheduler.schedule(() -> result.completeExceptionally(timeout.get()),
                        limit.toMillis(), TimeUnit.MILLISECONDS);
                result.whenComplete((v, e) -> timer.cancel(false));
            } catch (RejectedExecutionException e) {
                // Keel is closing: no timer; the stage ends with the action or with the subscription
            }
        }
        return result;
    }

    public <T> CompletableFuture<T> after(Duration delay, Supplier<? extends CompletionStage<T>> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Runnable run = () -> Futures.call(action).whenComplete((v, e) -> {
            if (e == null) {
                result.complete(v);
            } else {
                result.completeExceptionally(Futures.unwrap(e));
            }
        });
        try {
            scheduler.schedule(() -> {
                try {
                    executor.execute(run);
                } catch (RejectedExecutionException e) {
                    result.completeExceptionally(new ClosedException("subscription closed while waiting to retry"));
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new ClosedException("Keel closed while waiting to retry"));
        }
        return result;
    }

    /**
     * The next attempt of {@code work}, after {@code delay}; failed with {@code cause} at once when the
     * work is abandoned (its partition revoked, its subscription closing) while it waits, on the
     * executor (not the revoking thread). An attempt that has started is not cut short: its handler
     * may be applying its effect, so its own outcome stands (a success is marked done).
     */
    public <T> CompletableFuture<T> retryAfter(Duration delay, Work work, Throwable cause,
                                        Supplier<? extends CompletionStage<T>> attempt) {
        AtomicBoolean decided = new AtomicBoolean(); // the attempt started, or the wait was given up
        CompletableFuture<T> retried = after(delay, () -> !work.isAbandoned() && decided.compareAndSet(false, true)
                ? attempt.get() : CompletableFuture.failedFuture(cause));
        work.abandoned().thenRun(() -> {
            if (!decided.compareAndSet(false, true)) {
                return; // the attempt runs: it ends as it ends
            }
            try {
                executor.execute(() -> retried.completeExceptionally(cause));
            } catch (RejectedExecutionException closing) {
                retried.completeExceptionally(cause);
            }
        });
        return retried;
    }
}
