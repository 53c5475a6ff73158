package dev.keel;

/** The publisher or subscription was closed before the operation could complete. Not retriable on it. */
public class ClosedException extends KeelException {
    public ClosedException(String message) {
        super(message, null, false);
    }
}
