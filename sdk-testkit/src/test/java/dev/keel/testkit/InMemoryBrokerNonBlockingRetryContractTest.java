package dev.keel.testkit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.contract.NonBlockingRetryContract;

/** Non-blocking retry on the in-memory broker, its delayed delivery on the broker's clock. */
class InMemoryBrokerNonBlockingRetryContractTest extends NonBlockingRetryContract {

    private final InMemoryBroker broker = InMemoryBroker.create();

    @Override
    protected BrokerAdapter createAdapter() {
        return broker.connect();
    }
}
