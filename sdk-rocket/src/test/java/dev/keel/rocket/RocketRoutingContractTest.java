package dev.keel.rocket;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.RoutingContract;

/**
 * Header filters (on the broker: SQL92 property filters, the harness's broker runs with
 * {@code enablePropertyFilter=true}) and priorities (not offered: skipped by name) on a real RocketMQ.
 */
@UsesBrokers(BrokerKind.ROCKET)
class RocketRoutingContractTest extends RoutingContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return RocketTestSupport.adapter();
    }
}
