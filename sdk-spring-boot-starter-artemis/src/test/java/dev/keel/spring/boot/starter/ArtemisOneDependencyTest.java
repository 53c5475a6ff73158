package dev.keel.spring.boot.starter;

import dev.keel.jms.ArtemisAdapter;
import dev.keel.spi.BrokerAdapter;
import dev.keel.spring.boot.autoconfigure.OneDependencyScenario;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.UsesBrokers;

/** The guide's promise on the harness's real broker and Redis, with this module's one dependency. */
@UsesBrokers({BrokerKind.ARTEMIS, BrokerKind.REDIS})
class ArtemisOneDependencyTest extends OneDependencyScenario {

    @Override
    protected String brokerAddressProperty() {
        return "keel.artemis.url=" + Brokers.artemis().url();
    }

    @Override
    protected Class<? extends BrokerAdapter> adapterType() {
        return ArtemisAdapter.class;
    }
}
