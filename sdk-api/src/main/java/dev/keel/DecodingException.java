package dev.keel;

/** A payload could not be decoded. Not retriable: the message goes to the dead letters at once. */
public class DecodingException extends KeelException {
    public DecodingException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
