package dev.keel;

/**
 * The idempotency store cannot be reached. Consumers under {@link DeliveryGuarantee#EFFECTIVELY_ONCE}
 * pause (fail closed) and resume by themselves when it returns. Retriable. A handler that throws it (as a JDBC
 * inbox's transactional handler does when its database is away) is not failing its message: the consumer pauses
 * and the handler runs again once the store answers, without using up the retry policy's attempts and without
 * dead-lettering.
 */
public class StoreUnavailableException extends KeelException {
    private static final long serialVersionUID = 1L;
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause, true);
    }
}
