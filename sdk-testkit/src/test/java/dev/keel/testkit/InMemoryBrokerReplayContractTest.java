package dev.keel.testkit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.contract.ReplayContract;

/** The replay contract on the in-memory broker. */
class InMemoryBrokerReplayContractTest extends ReplayContract {

    private final InMemoryBroker broker = InMemoryBroker.create();

    @Override
    protected BrokerAdapter createAdapter() {
        return broker.connect();
    }
}
