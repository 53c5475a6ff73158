package dev.keel.testbrokers.internal;

import dev.keel.testbrokers.ActiveMQEndpoint;
import dev.keel.testbrokers.ArtemisEndpoint;
import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.KafkaEndpoint;
import dev.keel.testbrokers.Origin;
import dev.keel.testbrokers.RabbitEndpoint;
import dev.keel.testbrokers.RedisEndpoint;
import dev.keel.testbrokers.RocketEndpoint;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Endpoints named by the {@code KEEL_*} settings; the harness neither starts nor kills them. */
public final class ConfiguredEndpoints {

    private ConfiguredEndpoints() {
    }

    public static Provided create(BrokerKind kind, String value, String source) {
        NoFaultControl control = NoFaultControl.configured(source);
        try {
            switch (kind) {
                case KAFKA: return new Provided(new KafkaEndpoint(Origin.CONFIGURED, value, control), control);
                case ROCKET: return new Provided(new RocketEndpoint(Origin.CONFIGURED, value, control), control);
                case RABBIT: return new Provided(rabbit(value, control), control);
                case REDIS: return new Provided(redis(value, control), control);
                case ARTEMIS: return new Provided(artemis(value, control), control);
                case ACTIVEMQ: return new Provided(activemq(value, control), control);
                default: throw new IllegalArgumentException(kind.name());
            }
        } catch (URISyntaxException | RuntimeException e) {
            // the value may hold a password: name the setting, not the value
            throw new IllegalArgumentException(source + " is not a valid " + kind.displayName() + " endpoint; expected e.g. "
                    + kind.endpointExample(), e instanceof URISyntaxException ? null : e);
        }
    }

    static RabbitEndpoint rabbit(String value, NoFaultControl control) throws URISyntaxException {
        URI uri = new URI(value);
        require("amqp".equals(uri.getScheme()) || "amqps".equals(uri.getScheme()), "scheme amqp");
        String[] userInfo = userInfo(uri, "guest", "guest");
        String path = uri.getRawPath();
        String vhost = path == null || path.isEmpty() || "/".equals(path) ? "/" : decode(path.substring(1));
        int port = uri.getPort() > 0 ? uri.getPort() : ("amqps".equals(uri.getScheme()) ? 5671 : 5672);
        return new RabbitEndpoint(Origin.CONFIGURED, host(uri), port, userInfo[0], userInfo[1], vhost, control);
    }

    static RedisEndpoint redis(String value, NoFaultControl control) throws URISyntaxException {
        URI uri = new URI(value);
        require("redis".equals(uri.getScheme()), "scheme redis");
        String[] userInfo = userInfo(uri, null, null);
        String path = uri.getPath();
        int database = path == null || path.length() <= 1 ? 0 : Integer.parseInt(path.substring(1));
        int port = uri.getPort() > 0 ? uri.getPort() : 6379;
        return new RedisEndpoint(Origin.CONFIGURED, host(uri), port, userInfo[1], database, control);
    }

    /**
     * {@code tcp://host:port[?parameters]}, or a list of such URLs as the Artemis client takes it:
     * {@code (tcp://a:61616,tcp://b:61616)?ha=true}. Passed on as given.
     */
    static ArtemisEndpoint artemis(String value, NoFaultControl control) throws URISyntaxException {
        if (!value.startsWith("(")) {
            URI uri = new URI(value);
            require("tcp".equals(uri.getScheme()), "scheme tcp");
            host(uri);
            require(uri.getPort() > 0, "a port");
        }
        return new ArtemisEndpoint(Origin.CONFIGURED, value, control);
    }

    /**
     * {@code tcp://host:port[?parameters]}, or a failover URL as the ActiveMQ Classic client takes it:
     * {@code failover:(tcp://a:61616,tcp://b:61616)?randomize=false}. Passed on as given.
     */
    static ActiveMQEndpoint activemq(String value, NoFaultControl control) throws URISyntaxException {
        if (value.startsWith("failover:")) {
            require(value.length() > "failover:".length(), "the URLs to fail over between");
        } else {
            URI uri = new URI(value);
            require("tcp".equals(uri.getScheme()), "scheme tcp");
            host(uri);
            require(uri.getPort() > 0, "a port");
        }
        return new ActiveMQEndpoint(Origin.CONFIGURED, value, control);
    }

    private static String host(URI uri) {
        require(uri.getHost() != null, "a host");
        return uri.getHost();
    }

    private static String[] userInfo(URI uri, String defaultUser, String defaultPassword) {
        String raw = uri.getRawUserInfo();
        if (raw == null) {
            return new String[] {defaultUser, defaultPassword};
        }
        int colon = raw.indexOf(':');
        if (colon < 0) {
            return new String[] {decode(raw), defaultPassword};
        }
        String user = decode(raw.substring(0, colon));
        return new String[] {user.isEmpty() ? defaultUser : user, decode(raw.substring(colon + 1))};
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalArgumentException("needs " + what);
        }
    }
}
