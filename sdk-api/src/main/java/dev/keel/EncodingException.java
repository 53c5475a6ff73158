package dev.keel;

/**
 * A value could not be encoded by its {@link Codec}: nothing was published. Not retriable: the
 * same value fails again; fix the value or the codec. Its cause is the codec's exception.
 */
public class EncodingException extends KeelException {
    private static final long serialVersionUID = 1L;

    public EncodingException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
