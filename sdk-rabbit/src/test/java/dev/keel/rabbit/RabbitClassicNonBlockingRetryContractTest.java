package dev.keel.rabbit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.NonBlockingRetryContract;

/**
 * Non-blocking retry on the harness's RabbitMQ with classic queues: the retry topic, delayed through
 * classic TTL bucket queues.
 */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitClassicNonBlockingRetryContractTest extends NonBlockingRetryContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return new RabbitAdapter(RabbitTestSupport.config().queueType(QueueType.CLASSIC).build());
    }
}
