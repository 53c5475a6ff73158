package dev.keel.testkit.store;

import dev.keel.dedup.IdempotencyStore;
import dev.keel.core.InMemoryIdempotencyStore;

/** The dead-lettered state on the in-memory store. */
class InMemoryDeadStateTest extends DeadStateContractTest {

    @Override
    protected IdempotencyStore createStore() {
        return new InMemoryIdempotencyStore();
    }
}
