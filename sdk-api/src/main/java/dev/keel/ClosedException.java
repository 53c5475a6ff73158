package dev.keel;

/**
 * The publisher or subscription was closed before the operation could complete, or the thread
 * waiting for it was interrupted. Not retriable on it.
 */
public class ClosedException extends KeelException {
    private static final long serialVersionUID = 1L;
    public ClosedException(String message) {
        super(message, null, false);
    }

    /** With the failure that ended the wait, for example an {@link InterruptedException}. */
    public ClosedException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
