package dev.keel.sample;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.util.List;

/** The sample orders service on the harness's real RocketMQ and Redis. */
@UsesBrokers({BrokerKind.ROCKET, BrokerKind.REDIS})
class RocketSampleServiceTest extends SampleServiceContract {

    @Override
    List<String> brokerProperties() {
        return List.of("--keel.broker=rocket", "--keel.rocket.name-server=" + Brokers.rocket().nameServerAddress());
    }

    @Override
    String messagingSystem() {
        return "rocketmq";
    }
}
