package dev.keel.cli.broker;

import dev.keel.jms.ArtemisAdapter;
import dev.keel.jms.ArtemisConfig;
import dev.keel.spi.BrokerAdapter;
import java.util.List;
import java.util.Set;
import org.apache.activemq.artemis.api.jms.ActiveMQJMSConstants;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * ActiveMQ Artemis through {@code --artemis-url} (a list {@code (tcp://a:61616,tcp://b:61616)?ha=true} too),
 * authenticated as {@code --artemis-user} with the password in the environment variable
 * {@code --artemis-password-env} names (docs/activemq.md). A proxy can stand in front of a single {@code tcp://} URL
 * without {@code ha} or TLS.
 */
final class ArtemisMode extends JmsMode<ArtemisConfig> {

    static final String NAME = "artemis";

    ArtemisMode() {
        super("ActiveMQ Artemis", Set.of("tcp"), List.of("ha=true", "sslenabled=true"),
                ArtemisConfig.DEFAULT_SEND_LANES, BrokerOptions.DEFAULT_ARTEMIS
                        + " (a list: (tcp://a:61616,tcp://b:61616)?ha=true)",
                "Start ActiveMQ Artemis there (docs/activemq.md; 'artemis create' then 'artemis run')");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    JmsFlags flags(BrokerOptions options) {
        return new JmsFlags(NAME, options.artemisUrl(), options.artemisUser(), options.artemisPasswordEnv());
    }

    @Override
    ArtemisConfig config(JmsFlags flags, TlsSettings tls) { // Artemis's client reads its stores from the URL
        ArtemisConfig.Builder b = ArtemisConfig.custom();
        return flags.configure(b::url, b::credentials, b::build);
    }

    @Override
    BrokerAdapter adapter(ArtemisConfig config, String url) {
        return new ArtemisAdapter(ArtemisConfig.from(config).url(url).build());
    }

    /**
     * Artemis's own client on the addresses and group queues Keel declared: a topic is the multicast address
     * {@code <topic>}, a group its queue {@code <topic>.<group>}, read by its fully qualified name
     * {@code <topic>::<topic>.<group>} (docs/activemq.md).
     */
    @Override
    RawJmsTarget rawTarget(ArtemisConfig config) {
        return new RawJmsTarget(NAME, "Artemis JMS client", () -> {
            ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(config.url());
            factory.setBlockOnDurableSend(true); // the default, said: a persistent send returns once the broker stored it
            // with a confirmation window the client completes an asynchronous send once the broker stored it, as
            // Keel's pipelined send lanes use it
            factory.setConfirmationWindowSize(1024 * 1024);
            return factory;
        }, config.username().orElse(null), config.password().orElse(""), topic -> topic,
                (topic, group) -> topic + "::" + topic + "." + group, ActiveMQJMSConstants.INDIVIDUAL_ACKNOWLEDGE,
                256);
    }
}
