package dev.keel.spring.boot.autoconfigure;

import dev.keel.jms.ActiveMQClassicAdapter;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.util.List;

/** The starter end to end on the harness's real ActiveMQ Classic, configured by {@code keel.activemq.*} alone. */
@UsesBrokers(BrokerKind.ACTIVEMQ)
class ActiveMQListenerContextTest extends ListenerContextScenario {

    @Override
    protected List<String> brokerProperties() {
        return List.of("keel.broker=activemq", "keel.activemq.url=" + Brokers.activemq().url(),
                "keel.activemq.send-lanes=2", "keel.activemq.prefetch=20");
    }

    @Override
    protected Class<? extends BrokerAdapter> adapterType() {
        return ActiveMQClassicAdapter.class;
    }
}
