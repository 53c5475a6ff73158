package dev.keel.outbox.jdbc.internal;

import dev.keel.ClosedException;
import dev.keel.KeelException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What a failed publish of an outbox row means for the row. */
enum Refusals {
    /**
     * Refused for good: a publish failure that is not retriable (too large, unroutable, a delay past the
     * broker's maximum, refused by an ACL) or an argument the publisher rejects (an invalid topic name, a
     * delivery time on an adapter without delays). Trying again cannot succeed: the row is parked.
     */
    REFUSED,
    /** Retriable, or of an unknown kind: the row stays and is tried again later. */
    RETRY,
    /** The publisher is closed: nothing can be published through it; the rows stay. */
    CLOSED;

    /** The verdict on {@code failure}, a publish stage's exception (wrapped or not). */
    static Refusals of(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof ClosedException) {
            return CLOSED;
        }
        if (cause instanceof KeelException keel) {
            return keel.isRetriable() ? RETRY : REFUSED;
        }
        return cause instanceof IllegalArgumentException ? REFUSED : RETRY;
    }

    /** The failure told in one line: its type and message (no payload: Keel's errors never hold one). */
    static String describe(Throwable failure) {
        Throwable cause = unwrap(failure);
        return cause.getClass().getName() + ": " + cause.getMessage();
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
