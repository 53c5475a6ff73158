package dev.keel.sample;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.util.List;

/** The sample orders service on the harness's real Kafka and Redis. */
@UsesBrokers({BrokerKind.KAFKA, BrokerKind.REDIS})
class KafkaSampleServiceTest extends SampleServiceContract {

    @Override
    List<String> brokerProperties() {
        return List.of("--keel.broker=kafka", "--keel.kafka.bootstrap-servers=" + Brokers.kafka().bootstrapServers());
    }

    @Override
    String messagingSystem() {
        return "kafka";
    }
}
