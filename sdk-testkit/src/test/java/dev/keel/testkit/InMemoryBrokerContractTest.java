package dev.keel.testkit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.contract.BrokerContractTest;

/**
 * The whole contract suite on the in-memory broker: each adapter is a new client of one broker, and
 * every client is {@link FaultInjectable}, so the fault tests run too.
 */
class InMemoryBrokerContractTest extends BrokerContractTest {

    private final InMemoryBroker broker = InMemoryBroker.create();

    @Override
    protected BrokerAdapter createAdapter() {
        return broker.connect();
    }
}
