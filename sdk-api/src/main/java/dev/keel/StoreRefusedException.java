package dev.keel;

/**
 * The idempotency store (or the database a transactional handler writes its effect to) answered, and refused the
 * request for a reason that retrying does not cure: wrong credentials, a missing permission, a server setting. Not
 * retriable, and not an outage; the message names what to grant or change. The stores throw their own subtypes
 * ({@code RedisRefusedException}, {@code JdbcRefusedException}).
 *
 * <p>Consumers under {@link DeliveryGuarantee#EFFECTIVELY_ONCE} treat it as they treat a
 * {@link StoreUnavailableException}, logged at ERROR instead of WARN: they pause (fail closed), try again every
 * store retry interval, and resume once the cause is fixed. A handler that throws it (as a JDBC inbox's
 * transactional handler does) is not failing its message: the message is neither retried against its policy's
 * attempts nor dead-lettered.
 */
public class StoreRefusedException extends KeelException {
    private static final long serialVersionUID = 1L;

    public StoreRefusedException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
