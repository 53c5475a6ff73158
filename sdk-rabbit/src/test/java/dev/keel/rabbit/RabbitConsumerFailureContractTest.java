package dev.keel.rabbit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.ConsumerFailureContract;

/** The consumer-failure contract on a real RabbitMQ. */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitConsumerFailureContractTest extends ConsumerFailureContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return new RabbitAdapter(RabbitTestSupport.config().build());
    }
}
