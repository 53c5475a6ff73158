package dev.keel.rabbit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.DelayedDeliveryContract;
import java.time.Duration;
import java.util.Optional;

/**
 * Delayed delivery on the harness's RabbitMQ with classic queues: the delay queues are classic TTL
 * queues whose dead-lettering RabbitMQ does at most once (docs/rabbitmq.md, "Delayed delivery").
 */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitClassicDelayedDeliveryContractTest extends DelayedDeliveryContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return new RabbitAdapter(RabbitTestSupport.config().queueType(QueueType.CLASSIC).build());
    }

    @Override
    protected Optional<Duration> maxDelay() {
        return Optional.of(RabbitConfig.MAX_DELAY);
    }
}
