package dev.keel.kafka;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.RoutingContract;

/** Header filters (client-side: Kafka has no broker-side filter) and priorities (not offered) on a real Kafka. */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaRoutingContractTest extends RoutingContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return new KafkaAdapter(KafkaTestSupport.config(Brokers.kafka().bootstrapServers()).build());
    }
}
