package dev.keel.spi;

/**
 * Optional abilities an adapter declares. The contract suite skips a test only when the adapter
 * lacks the capability it needs, and the skip names it.
 */
public enum Capability {
    /** A publish that cannot be routed (unknown topic, no bound group) fails with UnroutableException. */
    UNROUTABLE_DETECTION,
    /** Several consumers share a group; the broker rebalances partitions among them. */
    CONSUMER_GROUPS,
    /** Messages not acknowledged by a consumer that closed or crashed are redelivered to the group. */
    REDELIVERY,
    /** Messages with the same key go to the same partition or lane queue, in publish order. */
    KEY_ORDERING,
    /**
     * The broker lives in this process, so an in-process idempotency store is as durable as the
     * broker: with such an adapter and no store chosen, Keel uses an in-memory store of its own.
     */
    IN_PROCESS
}
