package dev.keel;

/**
 * The broker cannot be reached, or the publisher's circuit breaker is open after repeated
 * failures. Retriable: try again later.
 */
public class BrokerUnavailableException extends KeelException {
    public BrokerUnavailableException(String message, Throwable cause) {
        super(message, cause, true);
    }
}
