package dev.keel.testbrokers;

/**
 * A broker could not be provided: a prerequisite is missing, it failed to start, or it did not
 * become ready in time. The message names what is missing and how to get it, and ends with the
 * tail of the broker's log when there is one.
 */
public class BrokerStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final BrokerKind kind;

    public BrokerStartException(BrokerKind kind, String message) {
        super(kind.displayName() + ": " + message);
        this.kind = kind;
    }

    public BrokerStartException(BrokerKind kind, String message, Throwable cause) {
        super(kind.displayName() + ": " + message, cause);
        this.kind = kind;
    }

    public BrokerKind kind() {
        return kind;
    }
}
