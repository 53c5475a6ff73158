package dev.keel.rabbit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.NonBlockingRetryContract;

/** Non-blocking retry on the harness's RabbitMQ: the retry topic, delayed through its TTL bucket queues. */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitNonBlockingRetryContractTest extends NonBlockingRetryContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return new RabbitAdapter(RabbitTestSupport.config().build());
    }
}
