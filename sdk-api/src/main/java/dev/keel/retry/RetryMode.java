package dev.keel.retry;

/**
 * Where a subscription waits between the attempts of a failed message. Set with
 * {@code SubscriptionConfig.Builder#retryMode}; the {@link RetryPolicy} says how often and how long.
 */
public enum RetryMode {
    /**
     * The message waits where it is: its key's later messages wait behind it (per-key order holds),
     * and it keeps its in-flight slot and its partition's acknowledgement position until it succeeds
     * or is dead-lettered. The default, and the only mode allowed with
     * {@link dev.keel.ordering.Ordering#PER_KEY}.
     */
    IN_PLACE,
    /**
     * A failed message is published again, with the same id, key and headers plus its attempt count
     * and cause, to the subscription's retry topic ({@code <topic>.<group>.retry}, or the adapter's
     * legal variant) with a delivery time of now plus the policy's backoff, and the original is
     * acknowledged once that publish is confirmed: the partition keeps flowing. The same subscription
     * consumes the retry topic with the same handler and the same idempotency namespace. After the
     * last attempt the message is dead-lettered with its attempt count and cause. No order is kept,
     * so only {@link dev.keel.ordering.Ordering#UNORDERED} subscriptions may use it, on adapters that
     * declare {@link dev.keel.spi.Capability#NON_BLOCKING_RETRY}. When the retry publish fails the
     * message is retried in place instead, never acknowledged unretried.
     */
    NON_BLOCKING
}
