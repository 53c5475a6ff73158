package dev.keel.sample;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.util.List;

/** The sample orders service on the harness's real RabbitMQ and Redis. */
@UsesBrokers({BrokerKind.RABBIT, BrokerKind.REDIS})
class RabbitSampleServiceTest extends SampleServiceContract {

    @Override
    List<String> brokerProperties() {
        return List.of("--keel.broker=rabbit", "--keel.rabbit.uri=" + Brokers.rabbit().uri());
    }

    @Override
    String messagingSystem() {
        return "rabbitmq";
    }
}
