package dev.keel.rocket;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.BroadcastContract;

/** The broadcast contract on a real RocketMQ. */
@UsesBrokers(BrokerKind.ROCKET)
class RocketBroadcastContractTest extends BroadcastContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return RocketTestSupport.adapter();
    }
}
