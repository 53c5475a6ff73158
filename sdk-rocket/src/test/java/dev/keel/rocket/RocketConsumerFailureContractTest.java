package dev.keel.rocket;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.ConsumerFailureContract;

/** The consumer-failure contract on a real RocketMQ. */
@UsesBrokers(BrokerKind.ROCKET)
class RocketConsumerFailureContractTest extends ConsumerFailureContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return RocketTestSupport.adapter();
    }
}
