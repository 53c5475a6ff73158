package dev.keel.rocket;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.DelayedDeliveryContract;
import java.time.Duration;
import java.util.Optional;

/** Delayed delivery on the harness's RocketMQ: timer messages (docs/rocketmq.md, "Delayed delivery"). */
@UsesBrokers(BrokerKind.ROCKET)
class RocketDelayedDeliveryContractTest extends DelayedDeliveryContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return RocketTestSupport.adapter();
    }

    @Override
    protected Optional<Duration> maxDelay() {
        return Optional.of(RocketConfig.DEFAULT_MAX_DELAY);
    }
}
