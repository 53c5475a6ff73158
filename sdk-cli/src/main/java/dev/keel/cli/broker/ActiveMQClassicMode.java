package dev.keel.cli.broker;

import dev.keel.jms.ActiveMQClassicAdapter;
import dev.keel.jms.ActiveMQClassicConfig;
import dev.keel.spi.BrokerAdapter;
import dev.keel.cli.EnvironmentException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQSession;
import org.apache.activemq.ActiveMQSslConnectionFactory;

/**
 * ActiveMQ Classic (6.x, OpenWire) through {@code --activemq-url} (a {@code failover:(...)} URL too), authenticated
 * as {@code --activemq-user} with the password in the environment variable {@code --activemq-password-env} names
 * (docs/activemq.md). A proxy can stand in front of a single plain {@code tcp://} URL (not {@code failover:}, not
 * {@code ssl://}).
 */
final class ActiveMQClassicMode extends JmsMode<ActiveMQClassicConfig> {

    static final String NAME = "activemq";
    /** Keel's names on Classic (docs/activemq.md): the virtual topic of a topic and its groups' consumer queues. */
    private static final String VIRTUAL_TOPIC = "VirtualTopic.";
    private static final String CONSUMER = "Consumer.";

    ActiveMQClassicMode() {
        // the OpenWire transports that are TCP connections; vm:// is in-process, discovery: finds brokers
        super("ActiveMQ Classic", Set.of("tcp", "ssl", "nio", "nio+ssl", "auto", "auto+ssl", "auto+nio",
                "auto+nio+ssl"), List.of(), ActiveMQClassicConfig.DEFAULT_SEND_LANES, BrokerOptions.DEFAULT_ACTIVEMQ
                + " (a primary and its standby: failover:(tcp://a:61616,tcp://b:61616)?maxReconnectAttempts=0)",
                "Start ActiveMQ Classic there (docs/cli.md, 'Running against real brokers'; 'bin/activemq console')");
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The URL (every query value masked) and, over TLS, the stores of the flags: never a password. */
    @Override
    public String endpoint(BrokerOptions options) {
        String url = flags(options).url();
        String stores = options.tls().describe();
        return super.endpoint(options) + (JmsUrls.speaksTls(url) && !stores.isEmpty() ? " with " + stores : "");
    }

    /**
     * Every query value masked, whatever its name: a password under a misspelled or look-alike name
     * ({@code jms.pasword=}) is no password parameter, yet a password.
     */
    @Override
    String shown(String url) {
        return JmsUrls.redactValues(url);
    }

    @Override
    JmsFlags flags(BrokerOptions options) {
        return new JmsFlags(NAME, options.activemqUrl(), options.activemqUser(), options.activemqPasswordEnv());
    }

    @Override
    ActiveMQClassicConfig config(JmsFlags flags, TlsSettings tls) {
        ActiveMQClassicConfig.Builder b = ActiveMQClassicConfig.custom();
        ActiveMQClassicConfig config = flags.configure(b::url, b::credentials, b::build);
        Optional<TlsSettings.Managers> managers = tls.managers();
        if (managers.isEmpty() || !JmsUrls.speaksTls(flags.url())) {
            return config; // a tcp:// URL: the stores are for the other connections of the run (Redis, say)
        }
        try {
            return ActiveMQClassicConfig.from(config)
                    .tlsManagers(managers.get().keyManagers(), managers.get().trustManagers()).build();
        } catch (IllegalArgumentException e) {
            throw new EnvironmentException(flags.flag("url") + " with --truststore/--keystore: " + e.getMessage(), e);
        }
    }

    @Override
    BrokerAdapter adapter(ActiveMQClassicConfig config, String url) {
        return new ActiveMQClassicAdapter(ActiveMQClassicConfig.from(config).url(url).build());
    }

    /**
     * Classic's own client on what Keel declared: a topic {@code T} is the virtual topic {@code VirtualTopic.T}, a
     * group {@code G} its consumer queue {@code Consumer.G.VirtualTopic.T}, to which the broker copies every message.
     */
    @Override
    RawJmsTarget rawTarget(ActiveMQClassicConfig config) {
        return new RawJmsTarget(NAME, "ActiveMQ Classic JMS client", () -> {
            ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(config.url());
            if (config.keyManagers().isPresent() || config.trustManagers().isPresent()) {
                ActiveMQSslConnectionFactory tls = new ActiveMQSslConnectionFactory(config.url());
                tls.setKeyAndTrustManagers(config.keyManagers().map(k -> k.toArray(KeyManager[]::new)).orElse(null),
                        config.trustManagers().map(t -> t.toArray(TrustManager[]::new)).orElse(null), null);
                factory = tls; // the same stores as Keel's adapter
            }
            factory.setUseAsyncSend(false); // the default, said: a persistent send returns once the broker stored it
            factory.setWatchTopicAdvisories(false); // as Keel's adapter: no temporary destinations to watch
            return factory;
        }, config.username().orElse(null), config.password().orElse(""), topic -> VIRTUAL_TOPIC + topic,
                (topic, group) -> CONSUMER + group + "." + VIRTUAL_TOPIC + topic, ActiveMQSession.INDIVIDUAL_ACKNOWLEDGE,
                0); // synchronous: Classic answers a connection's persistent sends one at a time, as Keel sends
    }
}
