package dev.keel.core.internal.util;

/**
 * Stands in for a failure that cannot describe itself (its {@code toString()} or {@code getMessage()}, or a cause's,
 * throws): its message names the failure's class, its stack trace is the failure's, and it has no cause, so that
 * loggers and {@code CompletableFuture}s can describe it. The failure itself, kept as {@link #original()}, still
 * decides what its class decides: whether it is retried, and the cause class a dead letter carries.
 */
public final class UndescribedFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Throwable original;

    UndescribedFailure(Throwable original, String description) {
        super(description);
        this.original = original;
        try {
            setStackTrace(original.getStackTrace());
        } catch (Throwable e) {
            // keeps its own stack trace: the original's could not be read either
        }
    }

    /** The failure this stands in for. */
    public Throwable original() {
        return original;
    }
}
