package dev.keel;

/**
 * The root of Keel's typed errors. {@link #isRetriable()} tells whether trying the same operation
 * again may succeed (a broker briefly away) or not (a rejected or unroutable message).
 */
public class KeelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean retriable;

    public KeelException(String message, Throwable cause, boolean retriable) {
        super(message, cause);
        this.retriable = retriable;
    }

    public KeelException(String message, boolean retriable) {
        this(message, null, retriable);
    }

    public boolean isRetriable() {
        return retriable;
    }
}
