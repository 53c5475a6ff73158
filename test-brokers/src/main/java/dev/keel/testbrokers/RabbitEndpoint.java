package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.BrokerControl;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A RabbitMQ broker and the virtual host this test run owns. With the local service the harness
 * creates a fresh virtual host per run and deletes it at the end.
 */
public final class RabbitEndpoint extends BrokerEndpoint {
    private final String host;
    private final int port;
    private final String username;
    private final String password;
    private final String virtualHost;

    public RabbitEndpoint(Origin origin, String host, int port, String username, String password,
                          String virtualHost, BrokerControl control) {
        super(BrokerKind.RABBIT, origin, control);
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.username = Objects.requireNonNull(username, "username");
        this.password = Objects.requireNonNull(password, "password");
        this.virtualHost = Objects.requireNonNull(virtualHost, "virtualHost");
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String username() {
        return username;
    }

    /** Never log it. */
    public String password() {
        return password;
    }

    public String virtualHost() {
        return virtualHost;
    }

    /** {@code amqp://user:password@host:port/vhost}, for {@code ConnectionFactory.setUri}; holds the password, so never log it. */
    public String uri() {
        return "amqp://" + encode(username) + ":" + encode(password) + "@" + host + ":" + port + "/" + encode(virtualHost);
    }

    @Override
    public String address() {
        return host + ":" + port + " vhost " + virtualHost;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
