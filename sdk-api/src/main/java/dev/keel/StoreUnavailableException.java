package dev.keel;

/**
 * The idempotency store cannot be reached. Consumers under {@link DeliveryGuarantee#EFFECTIVELY_ONCE}
 * pause (fail closed) and resume by themselves when it returns. Retriable.
 */
public class StoreUnavailableException extends KeelException {
    private static final long serialVersionUID = 1L;
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause, true);
    }
}
