package dev.keel.testkit;

/**
 * A broker adapter whose broker takes injected faults (failing, held or duplicated publishes,
 * dropped connections, crashed group members): {@link InMemoryBroker} and its clients. Test support,
 * outside the production SPI; the contract suite runs its fault tests only on adapters that
 * implement it, and skips them naming this type on the others.
 */
public interface FaultInjectable {

    /** The fault switches of the broker behind this adapter. */
    Faults faults();
}
