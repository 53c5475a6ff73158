package dev.keel.testkit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.contract.BrokerContractTest;
import java.util.Optional;

/** The whole contract suite on the in-memory broker: each adapter is a new client of one broker. */
class InMemoryBrokerContractTest extends BrokerContractTest {

    private final InMemoryBroker broker = InMemoryBroker.create();

    @Override
    protected BrokerAdapter createAdapter() {
        return broker.connect();
    }

    @Override
    protected Optional<Faults> faults(BrokerAdapter adapter) {
        return InMemoryBroker.faultsOf(adapter);
    }
}
