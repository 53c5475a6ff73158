package dev.keel;

/** An operation did not complete within its configured timeout. Retriable. */
public class KeelTimeoutException extends KeelException {
    public KeelTimeoutException(String message) {
        super(message, null, true);
    }

    public KeelTimeoutException(String message, Throwable cause) {
        super(message, cause, true);
    }
}
