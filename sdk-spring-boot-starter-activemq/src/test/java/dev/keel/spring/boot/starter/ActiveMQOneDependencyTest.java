package dev.keel.spring.boot.starter;

import dev.keel.jms.ActiveMQClassicAdapter;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.boot.autoconfigure.OneDependencyScenario;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;

/**
 * The guide's promise on the harness's real broker and Redis, with this module's one dependency: no
 * {@code keel.broker}, although sdk-jms holds the Artemis adapter too (this starter leaves Artemis's client out).
 */
@UsesBrokers({BrokerKind.ACTIVEMQ, BrokerKind.REDIS})
class ActiveMQOneDependencyTest extends OneDependencyScenario {

    @Override
    protected String brokerAddressProperty() {
        return "keel.activemq.url=" + Brokers.activemq().url();
    }

    @Override
    protected Class<? extends BrokerAdapter> adapterType() {
        return ActiveMQClassicAdapter.class;
    }
}
