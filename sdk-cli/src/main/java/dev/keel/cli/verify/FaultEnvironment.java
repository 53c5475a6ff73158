package dev.keel.cli.verify;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * What a verify run's faults can act on: the broker mode, whether a proxy on this machine can stand
 * in front of the broker ({@link dev.keel.cli.broker.BrokerMode#loopbackAddress}), and whether there
 * is a Redis store that such a proxy can stand in front of (plain {@code redis://} on a loopback
 * address).
 *
 * @param broker          the {@code --broker} name
 * @param redis           whether {@code --redis} was given
 * @param proxyableRedis  whether that Redis is plain {@code redis://} on a loopback address
 * @param proxyableBroker whether the broker's consumers can be connected through a proxy on this machine
 */
public record FaultEnvironment(String broker, boolean redis, boolean proxyableRedis, boolean proxyableBroker) {

    /** The embedded broker's {@code --broker} name. */
    public static final String EMBEDDED = "memory";
    /** RabbitMQ's {@code --broker} name. */
    public static final String RABBIT = "rabbit";
    /** ActiveMQ Artemis's {@code --broker} name. */
    public static final String ARTEMIS = "artemis";
    /** ActiveMQ Classic's {@code --broker} name. */
    public static final String ACTIVEMQ = "activemq";
    /** Kafka's {@code --broker} name. */
    public static final String KAFKA = "kafka";

    public FaultEnvironment {
        Objects.requireNonNull(broker, "broker");
        if (proxyableRedis && !redis) {
            throw new IllegalArgumentException("a proxyable Redis needs --redis");
        }
    }

    /** The environment of {@code --broker broker} with {@code --redis redisUri} ({@code null}: none). */
    public static FaultEnvironment of(String broker, String redisUri) {
        return of(broker, redisUri, false);
    }

    /** As {@link #of(String, String)}; a Redis Cluster is never proxyable (its nodes redirect clients to each other). */
    public static FaultEnvironment of(String broker, String redisUri, boolean redisCluster) {
        return of(broker, redisUri, redisCluster, false);
    }

    /** As {@link #of(String, String, boolean)}, with a broker a proxy on this machine can stand in front of or not. */
    public static FaultEnvironment of(String broker, String redisUri, boolean redisCluster, boolean proxyableBroker) {
        return new FaultEnvironment(broker, redisUri != null, redisUri != null && !redisCluster
                && isLoopbackRedis(redisUri), proxyableBroker);
    }

    /** Whether the broker drops a consumer group's sessions on request (Kafka's coordinator removes its members). */
    public boolean groupSessionsDroppable() {
        return KAFKA.equals(broker);
    }

    /** Whether the run is on the embedded in-memory broker. */
    public boolean embeddedBroker() {
        return EMBEDDED.equals(broker);
    }

    private static boolean isLoopbackRedis(String uri) {
        try {
            URI parsed = URI.create(uri);
            return "redis".equals(parsed.getScheme()) && parsed.getHost() != null
                    && InetAddress.getByName(parsed.getHost()).isLoopbackAddress();
        } catch (IllegalArgumentException | UnknownHostException e) {
            return false;
        }
    }
}
