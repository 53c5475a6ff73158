package dev.keel.spring.boot.autoconfigure;

import dev.keel.jms.ArtemisAdapter;
import dev.keel.spi.BrokerAdapter;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;
import java.util.List;

/** The starter end to end on the harness's real ActiveMQ Artemis, configured by {@code keel.artemis.*} alone. */
@UsesBrokers(BrokerKind.ARTEMIS)
class ArtemisListenerContextTest extends ListenerContextScenario {

    @Override
    protected List<String> brokerProperties() {
        return List.of("keel.broker=artemis", "keel.artemis.url=" + Brokers.artemis().url(), "keel.artemis.send-lanes=2");
    }

    @Override
    protected Class<? extends BrokerAdapter> adapterType() {
        return ArtemisAdapter.class;
    }
}
