package dev.keel.rocket;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.NonBlockingRetryContract;

/** Non-blocking retry on the harness's RocketMQ: the retry topic ({@code <topic>_<group>_RETRY}), delayed by timer messages. */
@UsesBrokers(BrokerKind.ROCKET)
class RocketNonBlockingRetryContractTest extends NonBlockingRetryContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return RocketTestSupport.adapter();
    }
}
