package dev.keel;

/** The publisher or subscription was closed before the operation could complete. Not retriable on it. */
public class ClosedException extends KeelException {
    private static final long serialVersionUID = 1L;
    public ClosedException(String message) {
        super(message, null, false);
    }
}
