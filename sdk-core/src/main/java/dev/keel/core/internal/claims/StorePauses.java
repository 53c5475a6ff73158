package dev.keel.core.internal.claims;

/**
 * Where the claims tell that the idempotency store cannot be reached, and that it answers again: the
 * subscription's flow control pauses the broker consumer meanwhile (fail closed).
 */
public interface StorePauses {

    void storeDown();

    void storeUp();

    boolean isStoreDown();
}
