package dev.keel.testkit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.contract.BroadcastContract;

/** The broadcast contract on the in-memory broker. */
class InMemoryBrokerBroadcastContractTest extends BroadcastContract {

    private final InMemoryBroker broker = InMemoryBroker.create();

    @Override
    protected BrokerAdapter createAdapter() {
        return broker.connect();
    }
}
