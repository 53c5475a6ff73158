package dev.keel.testkit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testkit.contract.DelayedDeliveryContract;
import java.time.Duration;
import java.util.Optional;

/** Delayed delivery on the in-memory broker: scheduled on the broker's clock. */
class InMemoryBrokerDelayedDeliveryContractTest extends DelayedDeliveryContract {

    private final InMemoryBroker broker = InMemoryBroker.create();

    @Override
    protected BrokerAdapter createAdapter() {
        return broker.connect();
    }

    @Override
    protected Optional<Duration> maxDelay() {
        return Optional.empty();
    }
}
