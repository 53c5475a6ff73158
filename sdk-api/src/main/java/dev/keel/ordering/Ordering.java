package dev.keel.ordering;

/** How a subscription orders handler calls. */
public enum Ordering {
    /** No order: messages run in parallel up to the subscription's lane count. */
    UNORDERED,
    /**
     * Messages with the same key run one at a time, in the order the broker delivered them (which
     * is publish order per key); different keys run in parallel across lanes. A message without a
     * key is unordered.
     */
    PER_KEY
}
