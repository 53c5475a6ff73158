package dev.keel.rabbit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.RoutingContract;

/**
 * Header filters (client-side) and priorities on the harness's RabbitMQ, with classic lane queues:
 * the queue type that takes {@code x-max-priority}, under which the adapter declares PRIORITY.
 */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitRoutingContractTest extends RoutingContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return new RabbitAdapter(RabbitTestSupport.config().queueType(QueueType.CLASSIC).build());
    }
}
