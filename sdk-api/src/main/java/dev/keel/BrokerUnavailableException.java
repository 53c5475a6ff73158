package dev.keel;

/**
 * The broker cannot be reached, or the publisher's circuit breaker is open after repeated
 * failures. Retriable: try again later. When the open breaker refused a publish's retry, what the
 * broker said to the attempt before is attached as a suppressed exception ({@link #getSuppressed()}).
 */
public class BrokerUnavailableException extends KeelException {
    private static final long serialVersionUID = 1L;
    public BrokerUnavailableException(String message, Throwable cause) {
        super(message, cause, true);
    }
}
