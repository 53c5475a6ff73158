package dev.keel.spring.boot.starter;

import dev.keel.kafka.KafkaAdapter;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.boot.autoconfigure.OneDependencyScenario;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;

/** The guide's promise on the harness's real broker and Redis, with this module's one dependency. */
@UsesBrokers({BrokerKind.KAFKA, BrokerKind.REDIS})
class KafkaOneDependencyTest extends OneDependencyScenario {

    @Override
    protected String brokerAddressProperty() {
        return "keel.kafka.bootstrap-servers=" + Brokers.kafka().bootstrapServers();
    }

    @Override
    protected Class<? extends BrokerAdapter> adapterType() {
        return KafkaAdapter.class;
    }
}
