package dev.keel.testbrokers.internal;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Polls a check until it answers, with a bounded deadline. Between attempts it waits on an abort
 * signal (typically the broker process's exit), so a broker that dies fails the wait at once.
 */
public final class Poll {
    private static final long FIRST_PAUSE_MILLIS = 50;
    private static final long MAX_PAUSE_MILLIS = 500;

    /** The check did not answer in time, or the abort signal fired; carries the last error. */
    public static final class PollFailedException extends Exception {
        private static final long serialVersionUID = 1L;

        PollFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Poll() {
    }

    public static <T> T until(String what, Duration timeout, CompletableFuture<?> abort, Callable<Optional<T>> check)
            throws PollFailedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = FIRST_PAUSE_MILLIS;
        Exception last = null;
        while (true) {
            if (abort.isDone()) {
                throw new PollFailedException(what + ": the process ended", last);
            }
            try {
                Optional<T> answer = check.call();
                if (answer.isPresent()) {
                    return answer.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PollFailedException(what + ": interrupted", e);
            } catch (Exception e) {
                last = e;
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new PollFailedException(what + ": no answer within " + timeout.toSeconds() + " s"
                        + (last == null ? "" : "; last error: " + last), last);
            }
            try {
                abort.get(Math.min(pause, left), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
            } catch (ExecutionException e) {
                throw new PollFailedException(what + ": the process ended", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PollFailedException(what + ": interrupted", e);
            }
        }
    }

    /** An abort signal that never fires, for checks with no process to watch. */
    public static CompletableFuture<Void> never() {
        return new CompletableFuture<>();
    }
}
