package dev.keel.kafka;

import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import dev.keel.testkit.contract.DelayedDeliveryContract;
import java.time.Duration;
import java.util.Optional;

/** Delayed delivery on a real Kafka: the delay topic and its forwarder (docs/kafka.md, "Delayed delivery"). */
@UsesBrokers(BrokerKind.KAFKA)
class KafkaDelayedDeliveryContractTest extends DelayedDeliveryContract {

    @Override
    protected BrokerAdapter createAdapter() {
        return new KafkaAdapter(KafkaTestSupport.config(Brokers.kafka().bootstrapServers()).build());
    }

    @Override
    protected Optional<Duration> maxDelay() {
        return Optional.of(KafkaConfig.MAX_DELAY);
    }
}
