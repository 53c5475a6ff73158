package dev.keel.testkit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.contract.ConsumerFailureContract;

/** The consumer-failure contract on the in-memory broker. */
class InMemoryBrokerConsumerFailureContractTest extends ConsumerFailureContract {

    private final InMemoryBroker broker = InMemoryBroker.create();

    @Override
    protected BrokerAdapter createAdapter() {
        return broker.connect();
    }
}
