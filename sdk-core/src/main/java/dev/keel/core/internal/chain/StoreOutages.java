package dev.keel.core.internal.chain;

/** Where a subscription's chain reports that its store failed (the consumer pauses) and that it answers again. */
public interface StoreOutages {

    /** The store failed with {@code error}: an outage, or a refusal. */
    void unavailable(Throwable error);

    /** The store answered. */
    void available();
}
