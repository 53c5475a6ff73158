package dev.keel.rocket;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.BrokerContractTest;

/**
 * The broker-agnostic contract suite (delivery, ordering, topology) on the harness's real RocketMQ.
 * The tests that inject broker faults need a {@code FaultInjectable} adapter (the in-memory broker)
 * and are skipped, naming it; their real-broker counterparts are in this module's own tests.
 */
@UsesBrokers(BrokerKind.ROCKET)
class RocketContractTest extends BrokerContractTest {

    @Override
    protected BrokerAdapter createAdapter() {
        return RocketTestSupport.adapter();
    }
}
