package dev.keel.testkit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.contract.RoutingContract;

/** Header filters (client-side) and priorities (not offered: skipped by name) on the in-memory broker. */
class InMemoryBrokerRoutingContractTest extends RoutingContract {

    private final InMemoryBroker broker = InMemoryBroker.create();

    @Override
    protected BrokerAdapter createAdapter() {
        return broker.connect();
    }
}
