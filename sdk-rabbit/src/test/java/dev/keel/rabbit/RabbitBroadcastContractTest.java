package dev.keel.rabbit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.BroadcastContract;

/** The broadcast contract on a real RabbitMQ. */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitBroadcastContractTest extends BroadcastContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return new RabbitAdapter(RabbitTestSupport.config().build());
    }
}
