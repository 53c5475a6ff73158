package dev.keel.rabbit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.BrokerContractTest;

/** The broker-agnostic contract suite on the harness's RabbitMQ. */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitContractTest extends BrokerContractTest {

    @Override
    protected BrokerAdapter createAdapter() {
        return new RabbitAdapter(RabbitTestSupport.config().build());
    }
}
