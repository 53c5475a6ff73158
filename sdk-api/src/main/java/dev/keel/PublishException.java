package dev.keel;

/** A publish that the broker did not confirm: rejected (nacked), failed, or the broker unreachable. */
public class PublishException extends KeelException {
    private static final long serialVersionUID = 1L;
    public PublishException(String message, Throwable cause, boolean retriable) {
        super(message, cause, retriable);
    }
}
