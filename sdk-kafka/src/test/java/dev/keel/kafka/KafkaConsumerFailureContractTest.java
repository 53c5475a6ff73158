package dev.keel.kafka;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.ConsumerFailureContract;

/** The consumer-failure contract on a real Kafka. */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaConsumerFailureContractTest extends ConsumerFailureContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return new KafkaAdapter(KafkaTestSupport.config(Brokers.kafka().bootstrapServers()).build());
    }
}
