package dev.keel.cli.broker;

import dev.keel.cli.EnvironmentException;
import dev.keel.jms.ArtemisAdapter;
import dev.keel.jms.ArtemisConfig;
import dev.keel.spi.BrokerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ActiveMQ Artemis through {@code --artemis-url}, authenticated as {@code --artemis-user} with the
 * password in the environment variable {@code --artemis-password-env} names (docs/activemq.md).
 */
final class ArtemisMode implements BrokerMode {

    static final String NAME = "artemis";
    static final int DEFAULT_PORT = 61616;

    /** {@code password=...}, {@code trustStorePassword=...} and the like among a URL's parameters. */
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)([a-z]*password=)[^&,)]*");
    /** One {@code scheme://host:port} of a URL, possibly one of a list {@code (tcp://a:1,tcp://b:2)?...}. */
    private static final Pattern CONNECTOR = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*)://(\\[[^\\]]*\\]|[^:/?,()]*)(?::(\\d+))?");

    @Override
    public String name() {
        return NAME;
    }

    /** The URL with the values of its password parameters masked; the user is not shown. */
    @Override
    public String endpoint(BrokerOptions options) {
        return redact(options.artemisUrl());
    }

    @Override
    public void preflight(BrokerOptions options) {
        config(options); // bad flags first, with their own message
        if (!options.artemisUrl().contains("://")) {
            throw new EnvironmentException("--artemis-url must be an Artemis URL such as " + BrokerOptions.DEFAULT_ARTEMIS
                    + " (a list: (tcp://a:61616,tcp://b:61616)?ha=true), was '" + redact(options.artemisUrl()) + "'");
        }
        List<InetSocketAddress> tcp = tcpConnectors(options.artemisUrl());
        if (tcp.isEmpty()) {
            return; // a discovery group (udp://, jgroups://) or in-VM: nothing to open a TCP connection to
        }
        String nodes = String.join(",", tcp.stream().map(a -> a.getHostString() + ":" + a.getPort()).toList());
        Endpoints.requireAnyReachable("ActiveMQ Artemis", nodes, DEFAULT_PORT, "--artemis-url",
                "Start ActiveMQ Artemis there (docs/activemq.md; 'artemis create' then 'artemis run') or point "
                        + "--artemis-url at one; --broker memory needs nothing installed.");
    }

    @Override
    public BrokerAdapter createAdapter(BrokerOptions options) {
        return new ArtemisAdapter(config(options));
    }

    /**
     * Present for a single {@code tcp://} connector on a loopback address without {@code ha} or TLS
     * (a client then connects to that address alone, so a proxy on this machine can stand between).
     */
    @Override
    public Optional<InetSocketAddress> loopbackAddress(BrokerOptions options) {
        String url = options.artemisUrl();
        String lower = url.toLowerCase(Locale.ROOT);
        List<InetSocketAddress> tcp = tcpConnectors(url);
        if (tcp.size() != 1 || url.startsWith("(") || lower.contains("ha=true") || lower.contains("sslenabled=true")
                || !lower.startsWith("tcp://")) {
            return Optional.empty();
        }
        try {
            InetAddress host = InetAddress.getByName(tcp.get(0).getHostString());
            return host.isLoopbackAddress() ? Optional.of(new InetSocketAddress(host, tcp.get(0).getPort()))
                    : Optional.empty();
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** The same URL (its parameters kept) with {@code host:port} in place of the broker's address. */
    @Override
    public BrokerAdapter createAdapterThrough(BrokerOptions options, String host, int port, String connectionName) {
        if (loopbackAddress(options).isEmpty()) {
            throw new UnsupportedOperationException("--broker artemis is reached through a proxy only on this "
                    + "machine, with a single tcp:// URL");
        }
        String url = options.artemisUrl();
        int query = url.indexOf('?');
        String through = "tcp://" + host + ":" + port + (query < 0 ? "" : url.substring(query));
        return new ArtemisAdapter(ArtemisConfig.from(config(options)).url(through).build());
    }

    @Override
    public List<RawPublishBaseline> rawPublishBaselines(BrokerOptions options) {
        return List.of(new RawArtemisClients.Producer(config(options), ArtemisConfig.DEFAULT_SEND_LANES));
    }

    @Override
    public Optional<RawConsumeBaseline> rawConsumeBaseline(BrokerOptions options) {
        return Optional.of(new RawArtemisClients.GroupConsumer(config(options)));
    }

    @Override
    public Optional<RawLatencyBaseline> rawLatencyBaseline(BrokerOptions options) {
        return Optional.of(new RawArtemisClients.Latency(config(options), ArtemisConfig.DEFAULT_SEND_LANES));
    }

    static ArtemisConfig config(BrokerOptions options) {
        ArtemisConfig.Builder b = ArtemisConfig.custom();
        try {
            b.url(options.artemisUrl());
        } catch (IllegalArgumentException e) {
            throw new EnvironmentException("--artemis-url: " + e.getMessage(), e);
        }
        String variable = options.artemisPasswordEnv();
        if (options.artemisUser() == null) {
            if (variable != null) {
                throw new EnvironmentException("--artemis-password-env needs --artemis-user: give the user whose "
                        + "password it holds");
            }
            return b.build();
        }
        String password = "";
        if (variable != null) {
            password = System.getenv(variable);
            if (password == null) {
                throw new EnvironmentException("--artemis-password-env " + variable + ": no environment variable "
                        + variable + " is set; export it with the password of --artemis-user");
            }
        }
        try {
            return b.credentials(options.artemisUser(), password).build();
        } catch (IllegalArgumentException e) {
            throw new EnvironmentException("--artemis-user: " + e.getMessage(), e);
        }
    }

    /** The URL with the values of its password parameters masked. */
    static String redact(String url) {
        return PASSWORD_PARAMETER.matcher(url).replaceAll("$1***");
    }

    /** The {@code tcp://host:port} connectors of a URL (one, or a list in parentheses), port 61616 where absent. */
    static List<InetSocketAddress> tcpConnectors(String url) {
        int query = url.indexOf('?');
        String connectors = url;
        if (url.startsWith("(")) {
            int close = url.indexOf(')');
            connectors = url.substring(1, close < 0 ? url.length() : close);
        } else if (query >= 0) {
            connectors = url.substring(0, query);
        }
        List<InetSocketAddress> tcp = new ArrayList<>();
        Matcher m = CONNECTOR.matcher(connectors);
        while (m.find()) {
            String scheme = m.group(1).toLowerCase(Locale.ROOT);
            String host = m.group(2);
            if (!scheme.equals("tcp") || host.isEmpty()) {
                continue;
            }
            if (host.startsWith("[")) {
                host = host.substring(1, host.length() - 1);
            }
            tcp.add(InetSocketAddress.createUnresolved(host, m.group(3) == null ? DEFAULT_PORT
                    : Integer.parseInt(m.group(3))));
        }
        return tcp;
    }
}
