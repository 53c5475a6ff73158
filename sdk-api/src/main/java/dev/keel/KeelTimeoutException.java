package dev.keel;

/** An operation did not complete within its configured timeout. Retriable. */
public class KeelTimeoutException extends KeelException {
    private static final long serialVersionUID = 1L;
    public KeelTimeoutException(String message) {
        super(message, null, true);
    }

    public KeelTimeoutException(String message, Throwable cause) {
        super(message, cause, true);
    }
}
