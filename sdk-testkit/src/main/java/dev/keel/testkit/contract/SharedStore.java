package dev.keel.testkit.contract;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.spi.support.ForwardingIdempotencyStore;

/**
 * The test's one store as each Keel instance sees it: every call goes through, except
 * {@link #close()}, so that closing one instance leaves the store to the others; the suite closes
 * the store itself after the test.
 */
final class SharedStore extends ForwardingIdempotencyStore {

    SharedStore(IdempotencyStore delegate) {
        super(delegate);
    }

    @Override
    public void close() {
        // the suite closes the shared store after the test
    }
}
