package dev.keel.sample;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;

import java.util.List;

/** The sample orders service on the harness's real ActiveMQ Classic and Redis. */
@UsesBrokers({BrokerKind.ACTIVEMQ, BrokerKind.REDIS})
class ActiveMQClassicSampleServiceTest extends SampleServiceContract {

    @Override
    List<String> brokerProperties() {
        return List.of("--keel.broker=activemq", "--keel.activemq.url=" + Brokers.activemq().url());
    }

    @Override
    String messagingSystem() {
        return "activemq";
    }
}
