package dev.keel;

/**
 * Thrown by a handler (this class or a subclass) to say that handling this message will never
 * succeed: it is not retried but goes to the dead letters at once, with this exception's class and
 * message in the {@code keel-dlt-cause-*} headers and the attempt it failed at in
 * {@code keel-dlt-attempts}. Other failures can be classified the same way with
 * {@link dev.keel.retry.RetryPolicy.Builder#abortOn(Class[])} and
 * {@link dev.keel.retry.RetryPolicy.Builder#retryOn(Class[])}.
 *
 * <pre>{@code
 * delivery -> {
 *     if (!order.isValid()) {
 *         throw new NonRetriableException("order " + delivery.id() + " has no customer");
 *     }
 *     ...
 * }
 * }</pre>
 */
public class NonRetriableException extends KeelException {

    private static final long serialVersionUID = 1L;

    /** With a message saying why the message can never be handled. */
    public NonRetriableException(String message) {
        super(message, null, false);
    }

    /** With a message saying why the message can never be handled, and the failure behind it. */
    public NonRetriableException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
