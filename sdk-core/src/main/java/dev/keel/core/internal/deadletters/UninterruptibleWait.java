package dev.keel.core.internal.deadletters;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for an outcome that must not be abandoned when the waiting thread is interrupted (a publish already sent, a
 * commit under way): the wait goes on up to its timeout, and the thread's interrupt is set again on return.
 */
final class UninterruptibleWait {

    private UninterruptibleWait() {
    }

    /** {@code future}'s completion within {@code timeout}, whatever interrupts come meanwhile. */
    static void await(CompletableFuture<?> future, Duration timeout) throws ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
