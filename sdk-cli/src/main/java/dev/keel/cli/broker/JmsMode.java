package dev.keel.cli.broker;

import dev.keel.cli.EnvironmentException;
import dev.keel.spi.BrokerAdapter;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the two ActiveMQ lines' modes do the same way: a broker URL with its password parameters masked, a
 * reachability check of its TCP connectors, a proxy in front of a single {@code tcp://} URL on this machine, and the
 * raw JMS baselines on the line's own client ({@link RawJmsClients}). A line gives its flags, its adapter config
 * and its client ({@link ArtemisMode}, {@link ActiveMQClassicMode}).
 *
 * @param <C> the line's adapter config
 */
abstract class JmsMode<C> implements BrokerMode {

    private final String broker;
    private final Set<String> tcpSchemes;
    private final List<String> notProxyable;
    private final int sendLanes;
    private final String urlExample;
    private final String startHint;

    /**
     * @param broker       the broker's name in messages, e.g. {@code ActiveMQ Artemis}
     * @param tcpSchemes   the URL schemes (lower case) whose connectors are TCP connections to check
     * @param notProxyable lower-case URL fragments that make a client connect elsewhere than the URL's one address
     *                     or through TLS, so that no proxy can stand between
     * @param sendLanes    the adapter's default send lanes, which the raw publish baseline copies
     * @param urlExample   a URL of the line, for the message about a URL that is none
     * @param startHint    what to do when nothing answers at the URL
     */
    JmsMode(String broker, Set<String> tcpSchemes, List<String> notProxyable, int sendLanes, String urlExample,
            String startHint) {
        this.broker = broker;
        this.tcpSchemes = tcpSchemes;
        this.notProxyable = notProxyable;
        this.sendLanes = sendLanes;
        this.urlExample = urlExample;
        this.startHint = startHint;
    }

    /** The line's {@code --<line>-url}, {@code -user} and {@code -password-env}. */
    abstract JmsFlags flags(BrokerOptions options);

    /**
     * The adapter config of these flags ({@link JmsFlags#configure}) and, where the line's client takes them from Keel,
     * the {@code --truststore}/{@code --keystore} of {@code tls}.
     */
    abstract C config(JmsFlags flags, TlsSettings tls);

    /** The line's adapter with this config, connecting to {@code url} (the config's, or the same through a proxy). */
    abstract BrokerAdapter adapter(C config, String url);

    /** The line's own JMS client, with this config, on the destinations Keel declared. */
    abstract RawJmsTarget rawTarget(C config);

    /** The URL with the values of its password parameters masked; the user is not shown. */
    @Override
    public String endpoint(BrokerOptions options) {
        return shown(flags(options).url());
    }

    /** The URL as the line's messages show it: the values of its password parameters masked. */
    String shown(String url) {
        return JmsUrls.redact(url);
    }

    @Override
    public void preflight(BrokerOptions options) {
        JmsFlags flags = flags(options);
        config(flags, options.tls()); // bad flags first, with their own message
        if (!flags.url().contains("://")) {
            throw new EnvironmentException(flags.flag("url") + " must be an " + broker + " URL such as "
                    + urlExample + ", was '" + shown(flags.url()) + "'");
        }
        List<InetSocketAddress> tcp = JmsUrls.connectors(flags.url(), tcpSchemes);
        if (tcp.isEmpty()) {
            return; // discovery or in-VM: nothing to open a TCP connection to
        }
        Endpoints.requireAnyReachable(broker, JmsUrls.hostPorts(tcp), JmsUrls.DEFAULT_PORT, flags.flag("url"),
                startHint + " or point " + flags.flag("url") + " at one; --broker memory needs nothing installed.");
    }

    @Override
    public BrokerAdapter createAdapter(BrokerOptions options) {
        JmsFlags flags = flags(options);
        return adapter(config(flags, options.tls()), flags.url());
    }

    /**
     * Present for a single {@code tcp://} connector on a loopback address, without what would take a client
     * elsewhere or through TLS: a client then connects to that address alone, so a proxy on this machine can stand
     * between.
     */
    @Override
    public Optional<InetSocketAddress> loopbackAddress(BrokerOptions options) {
        return JmsUrls.loopbackTcp(flags(options).url(), notProxyable);
    }

    /** The same URL (its parameters kept) with {@code host:port} in place of the broker's address. */
    @Override
    public BrokerAdapter createAdapterThrough(BrokerOptions options, String host, int port, String connectionName) {
        if (loopbackAddress(options).isEmpty()) {
            throw new UnsupportedOperationException("--broker " + name() + " is reached through a proxy only on this "
                    + "machine, with a single tcp:// URL");
        }
        JmsFlags flags = flags(options);
        return adapter(config(flags, options.tls()), JmsUrls.through(flags.url(), host, port));
    }

    @Override
    public List<RawPublishBaseline> rawPublishBaselines(BrokerOptions options) {
        return List.of(new RawJmsClients.Producer(rawTarget(config(flags(options), options.tls())), sendLanes));
    }

    @Override
    public Optional<RawConsumeBaseline> rawConsumeBaseline(BrokerOptions options) {
        return Optional.of(new RawJmsClients.GroupConsumer(rawTarget(config(flags(options), options.tls()))));
    }

    @Override
    public Optional<RawLatencyBaseline> rawLatencyBaseline(BrokerOptions options) {
        return Optional.of(new RawJmsClients.Latency(rawTarget(config(flags(options), options.tls())), sendLanes));
    }
}
