package dev.keel.rabbit;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.DelayedDeliveryContract;
import java.time.Duration;
import java.util.Optional;

/** Delayed delivery on the harness's RabbitMQ: per-delay TTL queues (docs/rabbitmq.md, "Delayed delivery"). */
@UsesBrokers(BrokerKind.RABBIT)
class RabbitDelayedDeliveryContractTest extends DelayedDeliveryContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return new RabbitAdapter(RabbitTestSupport.config().build());
    }

    @Override
    protected Optional<Duration> maxDelay() {
        return Optional.of(RabbitConfig.MAX_DELAY);
    }
}
