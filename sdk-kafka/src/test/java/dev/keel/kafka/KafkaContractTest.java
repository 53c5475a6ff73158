package dev.keel.kafka;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.BrokerContractTest;

/**
 * The broker-agnostic contract suite on a real Kafka. The tests that inject broker faults need a
 * {@code FaultInjectable} adapter (the in-memory broker) and are skipped, naming it; their real-broker
 * counterparts are {@link KafkaBrokerRestartTest} (connection loss) and
 * {@link KafkaInteropTest} (a broker-side duplicate).
 */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaContractTest extends BrokerContractTest {

    @Override
    protected BrokerAdapter createAdapter() {
        return new KafkaAdapter(KafkaTestSupport.config(Brokers.kafka().bootstrapServers()).build());
    }
}
