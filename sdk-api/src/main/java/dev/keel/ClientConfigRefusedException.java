package dev.keel;

/**
 * A broker client refused its own configuration when the adapter created it: a key or trust store it cannot load, a
 * {@code sasl.jaas.config} it cannot parse, an invalid value or a class it cannot find. Not retriable and not an
 * outage: nothing was sent, and trying again with the same settings fails the same way. {@link #reason()} says what
 * the client refused, secrets masked (passwords, a URL's user info, a secret setting's value, a JAAS line's tokens),
 * so that it can be shown to whoever fixes the setting.
 */
public class ClientConfigRefusedException extends KeelException {
    private static final long serialVersionUID = 1L;

    private final String reason;

    /**
     * @param message the whole message (what was being created, the reason, where to fix it)
     * @param reason  the client's reason alone, secrets masked
     * @param cause   the client's failure, with its secrets masked too (a logger prints it)
     */
    public ClientConfigRefusedException(String message, String reason, Throwable cause) {
        super(message, cause, false);
        this.reason = reason;
    }

    /** What the client refused, secrets masked: the setting to fix and why. */
    public String reason() {
        return reason;
    }
}
