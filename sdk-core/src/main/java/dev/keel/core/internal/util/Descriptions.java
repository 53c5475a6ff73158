package dev.keel.core.internal.util;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Descriptions of a failure that user code threw, which never throw themselves.
 *
 * <p>A handler's or a store's exception can fail to describe itself: its {@code getMessage()} or {@code toString()}
 * throws (a message read from a closed resource, a lazy proxy, a bug). Keel describes a failure to log it and to put
 * its cause on a dead letter; a description that threw would replace the failure with its own exception, and with it
 * the class that decides whether the failure is retried. Keel keeps the failure itself (its class decides) and
 * describes it only through these methods.
 */
public final class Descriptions {

    /** Bound on the throwables a check walks (causes and suppressed), against cycles and very long chains. */
    private static final int MAX_WALKED = 64;

    private Descriptions() {
    }

    /** {@code failure.toString()}, or its class's name and what its {@code toString()} threw. */
    public static String of(Throwable failure) {
        if (failure == null) {
            return "null";
        }
        try {
            return String.valueOf(failure.toString());
        } catch (Throwable e) {
            return failure.getClass().getName() + " (its toString() threw " + e.getClass().getName() + ")";
        }
    }

    /** {@code failure.getMessage()} ({@code "null"} when it has none), or what its {@code getMessage()} threw. */
    public static String message(Throwable failure) {
        try {
            return String.valueOf(failure.getMessage());
        } catch (Throwable e) {
            return "(its getMessage() threw " + e.getClass().getName() + ")";
        }
    }

    /**
     * {@code failure}, to hand a logger as the throwable to print or to carry through a {@code CompletableFuture}, when
     * it and every cause and suppressed throwable under it describe themselves; otherwise an {@link UndescribedFailure}
     * standing in for it. A logger prints a throwable by calling its {@code toString()} and {@code getMessage()} and
     * those of its causes, and a {@code CompletionException} wrapping it calls its {@code toString()}: one that throws
     * there would make the log call throw, or take the failure's place in the stage.
     */
    public static Throwable describable(Throwable failure) {
        if (failure == null || failure instanceof UndescribedFailure || describesItself(failure)) {
            return failure;
        }
        return new UndescribedFailure(failure, of(failure));
    }

    /** The failure that {@code failure} stands in for, when it is an {@link UndescribedFailure}; else itself. */
    public static Throwable original(Throwable failure) {
        return failure instanceof UndescribedFailure standIn ? standIn.original() : failure;
    }

    private static boolean describesItself(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> next = new ArrayDeque<>();
        next.add(failure);
        try {
            while (!next.isEmpty() && seen.size() < MAX_WALKED) {
                Throwable t = next.poll();
                if (!seen.add(t)) {
                    continue;
                }
                t.toString();
                t.getMessage();
                t.getLocalizedMessage();
                if (t.getCause() != null) {
                    next.add(t.getCause());
                }
                for (Throwable suppressed : t.getSuppressed()) {
                    next.add(suppressed);
                }
            }
            return true;
        } catch (Throwable e) {
            return false;
        }
    }
}
