package dev.keel.kafka;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.NonBlockingRetryContract;

/** Non-blocking retry on a real Kafka: the retry topic, delayed through its delay topic and forwarder. */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaNonBlockingRetryContractTest extends NonBlockingRetryContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return new KafkaAdapter(KafkaTestSupport.config(Brokers.kafka().bootstrapServers()).build());
    }
}
