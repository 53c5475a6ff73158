package dev.keel.jms;

import dev.keel.testbrokers.Brokers;
import dev.keel.testbrokers.SecuredArtemis;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.apache.activemq.artemis.api.core.client.ServerLocator;

/** The harness's Artemis as an adapter's configuration. */
final class ArtemisTestSupport {
    /** The largest payload the tests' adapters accept: small, so the refusal is probed cheaply. */
    static final int MAX_MESSAGE_BYTES = 1024 * 1024;

    private ArtemisTestSupport() {
    }

    static ArtemisConfig.Builder config() {
        return config(Brokers.artemis().url());
    }

    /** The tests' settings on {@code url}, without asking the harness for its broker (as a forked JVM must). */
    static ArtemisConfig.Builder config(String url) {
        return ArtemisConfig.custom().url(url).maxMessageBytes(MAX_MESSAGE_BYTES);
    }

    /** An adapter of the secured broker's plain acceptor, logged in as {@code user}. */
    static ArtemisAdapter securedAdapter(SecuredArtemis artemis, String user, String password) {
        return new ArtemisAdapter(config(artemis.url()).credentials(user, password).build());
    }

    /**
     * The messages {@code queue} of the secured broker holds, those delivered and not acknowledged yet included; -1
     * when it does not exist. Asked as its admin, through a core session of Artemis's client.
     */
    static long messagesOn(SecuredArtemis artemis, String queue) throws Exception {
        try (ServerLocator locator = ActiveMQClient.createServerLocator(artemis.url());
             ClientSessionFactory factory = locator.createSessionFactory();
             ClientSession session = factory.createSession(artemis.adminUser(), artemis.adminPassword(), false, true,
                     true, false, 0)) {
            ClientSession.QueueQuery query = session.queueQuery(SimpleString.of(queue));
            return query.isExists() ? query.getMessageCount() : -1;
        }
    }
}
