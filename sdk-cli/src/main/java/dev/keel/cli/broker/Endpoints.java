package dev.keel.cli.broker;

import dev.keel.cli.EnvironmentException;
import dev.keel.spi.support.UrlPasswords;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reachability checks and printable endpoints. */
public final class Endpoints {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private Endpoints() {
    }

    /**
     * Opens and closes a TCP connection to {@code host:port}.
     *
     * @param what  what is expected there, e.g. "Kafka"
     * @param hint  what to do when nothing answers
     * @throws EnvironmentException when nothing answers within {@link #DEFAULT_CONNECT_TIMEOUT}
     */
    public static void requireReachable(String what, String host, int port, String hint) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) DEFAULT_CONNECT_TIMEOUT.toMillis());
        } catch (IOException | IllegalArgumentException e) {
            throw new EnvironmentException(maskUserInfo("cannot reach " + what + " at " + host + ":" + port + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")") + ". " + hint);
        }
    }

    /**
     * Checks that at least one of the comma-separated {@code host:port} addresses answers (a cluster
     * with a node down is still reachable); {@code defaultPort} where a port is absent.
     *
     * @throws EnvironmentException when none answers, naming each
     */
    public static void requireAnyReachable(String what, String list, int defaultPort, String flag, String hint) {
        List<InetSocketAddress> addresses = hostPorts(list, defaultPort, flag);
        if (addresses.size() == 1) {
            requireReachable(what, addresses.get(0).getHostString(), addresses.get(0).getPort(), hint);
            return;
        }
        List<String> failures = new ArrayList<>();
        for (InetSocketAddress address : addresses) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(address.getHostString(), address.getPort()),
                        (int) DEFAULT_CONNECT_TIMEOUT.toMillis());
                return;
            } catch (IOException | IllegalArgumentException e) {
                failures.add(address.getHostString() + ":" + address.getPort() + " (" + e.getClass().getSimpleName()
                        + ": " + e.getMessage() + ")");
            }
        }
        throw new EnvironmentException(maskUserInfo("cannot reach " + what + " at any of "
                + String.join(", ", failures)) + ". " + hint);
    }

    /** Every {@code host:port} of a comma-separated list, with {@code defaultPort} where absent. */
    public static List<InetSocketAddress> hostPorts(String list, int defaultPort, String flag) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String part : list.split(",", -1)) {
            addresses.add(firstHostPort(part, defaultPort, flag));
        }
        return addresses;
    }

    /** Splits {@code host:port} (the first of a comma-separated list), with {@code defaultPort} when absent. */
    public static InetSocketAddress firstHostPort(String list, int defaultPort, String flag) {
        String first = list.split(",")[0].trim();
        int colon = first.lastIndexOf(':');
        if (first.isEmpty()) {
            throw new EnvironmentException(flag + " is empty: give host:port, e.g. 127.0.0.1:" + defaultPort);
        }
        if (colon < 0) {
            return InetSocketAddress.createUnresolved(first, defaultPort);
        }
        try {
            return InetSocketAddress.createUnresolved(first.substring(0, colon),
                    Integer.parseInt(first.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new EnvironmentException(flag + " has a bad port in '" + UrlPasswords.maskRefused(first)
                    + "': give host:port, e.g. 127.0.0.1:" + defaultPort);
        }
    }

    /**
     * The text with any user info before a host ({@code user:password@host}, {@code amqp://user:password@host})
     * masked as {@code ***@}: an address flag's value never shows credentials, even one its checks let through.
     */
    static String maskUserInfo(String text) {
        return text.replaceAll("[^\\s,;/'()\\[\\]]*@", "***@");
    }

    /** The URI without its user-info (no credentials in output). */
    public static String redact(String uri) {
        try {
            URI u = URI.create(uri);
            if (u.getRawUserInfo() == null) {
                return uri;
            }
            return u.getScheme() + "://" + u.getHost() + (u.getPort() == -1 ? "" : ":" + u.getPort())
                    + (u.getRawPath() == null ? "" : u.getRawPath());
        } catch (Exception e) {
            return "<unparseable URI>";
        }
    }

    /**
     * Whether a JMS URL of {@code --broker artemis} or {@code activemq} speaks TLS: an ActiveMQ Classic connector whose
     * scheme ends in {@code ssl} ({@code ssl://}, {@code nio+ssl://}, ...), an Artemis URL with {@code sslEnabled=true}.
     */
    public static boolean jmsUrlSpeaksTls(String url) {
        return JmsUrls.speaksTls(url) || url.toLowerCase(java.util.Locale.ROOT).matches(".*[?&;]sslenabled=true\\b.*");
    }

    /** A JMS URL with the value of every query parameter masked (a store's password may be one). */
    public static String redactJmsUrl(String url) {
        return JmsUrls.redactValues(url);
    }
}
