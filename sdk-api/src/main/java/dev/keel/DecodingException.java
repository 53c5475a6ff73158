package dev.keel;

/** A payload could not be decoded. Not retriable: the message goes to the dead letters at once. */
public class DecodingException extends KeelException {
    private static final long serialVersionUID = 1L;
    public DecodingException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
