package dev.keel;

/** What a subscription promises about each message it receives. */
public enum DeliveryGuarantee {
    /** Acknowledged before the handler runs: a crash or failure loses the message, never repeats it. */
    AT_MOST_ONCE,
    /** Acknowledged after the handler returns: nothing lost; a crash before the ack redelivers it. */
    AT_LEAST_ONCE,
    /**
     * At-least-once plus the idempotency store: the id is claimed (a lease) before the handler runs,
     * marked done after it returns and before the ack; an id already done is acknowledged without
     * running the handler. Remaining window: a crash after the handler's side effect and before
     * "done" runs the handler again once the lease expires; use {@link Delivery#id()} to make the
     * handler's own write idempotent too.
     */
    EFFECTIVELY_ONCE
}
