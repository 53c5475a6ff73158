package dev.keel.rocket;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.ReplayContract;

/** The replay contract on a real RocketMQ. */
@UsesBrokers(BrokerKind.ROCKET)
class RocketReplayContractTest extends ReplayContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return RocketTestSupport.adapter();
    }
}
