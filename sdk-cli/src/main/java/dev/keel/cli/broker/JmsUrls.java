package dev.keel.cli.broker;

import dev.keel.spi.support.UrlPasswords;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the two ActiveMQ modes read in a broker URL, the same for Artemis's client and ActiveMQ Classic's
 * (docs/activemq.md): its connectors ({@code tcp://a:61616}, a list {@code (tcp://a:61616,tcp://b:61616)?ha=true},
 * Classic's {@code failover:(...)}), its password parameters, and where a proxy on this machine can stand.
 */
final class JmsUrls {

    static final int DEFAULT_PORT = 61616;

    /** What stands for a masked value in the CLI's output. */
    private static final String MASK = "***";
    /** One {@code scheme://host:port} of a URL, possibly one of a list {@code (tcp://a:1,tcp://b:2)?...}. */
    private static final Pattern CONNECTOR = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*)://(\\[[^\\]]*\\]|[^:/?,()]*)(?::(\\d+))?");
    private static final String FAILOVER = "failover:";

    private JmsUrls() {
    }

    /**
     * The URL with the values of its password parameters masked, to the next {@code &} or the end (the clients read a
     * {@code ,} or {@code )} as part of a value). A name counts percent-decoded, as often as it decodes, as the
     * clients read it (Classic's decodes twice): {@code jms.passwor%64=...} and {@code jms.password%3D...} are masked
     * whole. The rule of {@link UrlPasswords}, which the adapter's configs and the Spring Boot starter use too.
     */
    static String redact(String url) {
        return UrlPasswords.mask(url, MASK);
    }

    /**
     * The URL with the value of every query parameter masked, whatever its name ({@link UrlPasswords#maskValues}): for
     * ActiveMQ Classic, where a password under a misspelled or look-alike name ({@code jms.pasword=}) is no password
     * parameter and the client echoes the parameters it does not accept.
     */
    static String redactValues(String url) {
        return UrlPasswords.maskValues(url, MASK);
    }

    /** Whether a connector of the URL speaks TLS (its scheme ends in {@code ssl}: ssl://, nio+ssl://, ...). */
    static boolean speaksTls(String url) {
        java.util.regex.Matcher connector = CONNECTOR.matcher(url);
        while (connector.find()) {
            if (connector.group(1).toLowerCase(java.util.Locale.ROOT).endsWith("ssl")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The {@code host:port} of each connector whose scheme is one of {@code schemes} (lower case), port 61616 where
     * absent: one, a list in parentheses, or a {@code failover:} list. Connectors of other schemes (discovery, in-VM)
     * are left out.
     */
    static List<InetSocketAddress> connectors(String url, Set<String> schemes) {
        String connectors = url;
        if (connectors.regionMatches(true, 0, FAILOVER, 0, FAILOVER.length())) {
            connectors = connectors.substring(FAILOVER.length());
        }
        if (connectors.startsWith("(")) {
            int close = connectors.indexOf(')');
            connectors = connectors.substring(1, close < 0 ? connectors.length() : close);
        } else if (connectors.indexOf('?') >= 0) {
            connectors = connectors.substring(0, connectors.indexOf('?'));
        }
        List<InetSocketAddress> found = new ArrayList<>();
        Matcher m = CONNECTOR.matcher(connectors);
        while (m.find()) {
            String host = m.group(2);
            if (!schemes.contains(m.group(1).toLowerCase(Locale.ROOT)) || host.isEmpty()) {
                continue;
            }
            if (host.startsWith("[")) {
                host = host.substring(1, host.length() - 1);
            }
            found.add(InetSocketAddress.createUnresolved(host, m.group(3) == null ? DEFAULT_PORT
                    : Integer.parseInt(m.group(3))));
        }
        return found;
    }

    /**
     * The broker's address when the URL is one plain {@code tcp://} connector on a loopback address, none of
     * {@code disqualifying} (lower-case fragments such as {@code ha=true}) in it: a client then connects to that
     * address alone, so a proxy on this machine can stand between. Empty otherwise.
     */
    static Optional<InetSocketAddress> loopbackTcp(String url, List<String> disqualifying) {
        String lower = url.toLowerCase(Locale.ROOT);
        List<InetSocketAddress> tcp = connectors(url, Set.of("tcp"));
        if (tcp.size() != 1 || !lower.startsWith("tcp://") || disqualifying.stream().anyMatch(lower::contains)) {
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

    /** The same single-connector URL, its parameters kept, with {@code host:port} in place of the broker's. */
    static String through(String url, String host, int port) {
        int query = url.indexOf('?');
        return "tcp://" + host + ":" + port + (query < 0 ? "" : url.substring(query));
    }

    /** The connectors as {@code host:port,host:port}, for {@link Endpoints#requireAnyReachable}. */
    static String hostPorts(List<InetSocketAddress> connectors) {
        return String.join(",", connectors.stream().map(a -> a.getHostString() + ":" + a.getPort()).toList());
    }
}
