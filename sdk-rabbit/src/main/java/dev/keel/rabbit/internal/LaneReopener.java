package dev.keel.rabbit.internal;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntPredicate;

/**
 * Brings lanes back: tries to reopen a lane until an attempt succeeds, waiting between failed
 * attempts from {@link #FIRST_RETRY} doubling up to {@link #MAX_RETRY}. At most one series of
 * attempts runs per lane. Attempts run on the executor (they talk to the broker), the waits on the
 * scheduler; once either is shut down (the adapter closed) no further attempt is made.
 */
final class LaneReopener {

    static final Duration FIRST_RETRY = Duration.ofMillis(100);
    static final Duration MAX_RETRY = Duration.ofSeconds(5);
    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    /** Running, and asked again meanwhile: one more attempt follows a success. */
    private static final int AGAIN = 2;

    private final IntPredicate attempt;
    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    private final AtomicIntegerArray running;

    /** {@code attempt} reopens a lane, true when it is open (or no longer wanted), false to retry later. */
    LaneReopener(int lanes, IntPredicate attempt, Executor executor, ScheduledExecutorService scheduler) {
        this.attempt = attempt;
        this.executor = executor;
        this.scheduler = scheduler;
        this.running = new AtomicIntegerArray(lanes);
    }

    /** Starts reopening {@code lane} after {@code delay}, unless that is already under way. */
    void reopen(int lane, Duration delay) {
        while (true) {
            int state = running.get(lane);
            if (state == IDLE && running.compareAndSet(lane, IDLE, RUNNING)) {
                later(lane, delay.toMillis(), FIRST_RETRY.toMillis());
                return;
            }
            if (state == AGAIN || state == RUNNING && running.compareAndSet(lane, RUNNING, AGAIN)) {
                return;
            }
        }
    }

    private void later(int lane, long delayMs, long nextRetryMs) {
        try {
            scheduler.schedule(() -> {
                try {
                    executor.execute(() -> tryOnce(lane, nextRetryMs));
                } catch (RejectedExecutionException e) {
                    running.set(lane, IDLE);
                }
            }, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            running.set(lane, IDLE);
        }
    }

    private void tryOnce(int lane, long retryMs) {
        boolean done;
        try {
            done = attempt.test(lane);
        } catch (RuntimeException e) {
            done = false;
        }
        if (done) {
            if (!running.compareAndSet(lane, RUNNING, IDLE)) {
                running.set(lane, RUNNING); // lost again while this attempt ran
                later(lane, 0, FIRST_RETRY.toMillis());
            }
        } else {
            later(lane, retryMs, Math.min(retryMs * 2, MAX_RETRY.toMillis()));
        }
    }
}
