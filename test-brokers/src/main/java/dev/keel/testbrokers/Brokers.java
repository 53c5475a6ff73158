package dev.keel.testbrokers;

import dev.keel.testbrokers.internal.BrokerRegistry;

import java.util.List;

/**
 * Static access to the brokers of this test JVM. Each broker starts once, on first use, and is
 * shared by every test class; it stops when the JVM exits. The first call for a broker blocks
 * until it serves (or throws {@link BrokerStartException} naming what is missing).
 *
 * <p>Where each broker comes from, in order: an endpoint named by a system property or
 * environment variable ({@code KEEL_KAFKA_BOOTSTRAP}, {@code KEEL_RABBIT_URI},
 * {@code KEEL_ROCKET_NAMESRV}, {@code KEEL_REDIS_URI}, {@code KEEL_ARTEMIS_URL}, {@code KEEL_ACTIVEMQ_URL}); else a
 * Testcontainers container when a Docker engine answers (images: {@link ContainerImages}); else a local process
 * ({@code KEEL_BROKERS=local} always; RabbitMQ: a private node, or the local service with a fresh virtual host).
 */
public final class Brokers {

    private Brokers() {
    }

    public static KafkaEndpoint kafka() {
        return (KafkaEndpoint) BrokerRegistry.get().endpoint(BrokerKind.KAFKA);
    }

    public static RabbitEndpoint rabbit() {
        return (RabbitEndpoint) BrokerRegistry.get().endpoint(BrokerKind.RABBIT);
    }

    public static RocketEndpoint rocket() {
        return (RocketEndpoint) BrokerRegistry.get().endpoint(BrokerKind.ROCKET);
    }

    public static RedisEndpoint redis() {
        return (RedisEndpoint) BrokerRegistry.get().endpoint(BrokerKind.REDIS);
    }

    public static ArtemisEndpoint artemis() {
        return (ArtemisEndpoint) BrokerRegistry.get().endpoint(BrokerKind.ARTEMIS);
    }

    public static ActiveMQEndpoint activemq() {
        return (ActiveMQEndpoint) BrokerRegistry.get().endpoint(BrokerKind.ACTIVEMQ);
    }

    public static BrokerEndpoint get(BrokerKind kind) {
        return BrokerRegistry.get().endpoint(kind);
    }

    /** Starts the given brokers in parallel (those not started yet) and waits until all serve. */
    public static void start(BrokerKind... kinds) {
        BrokerRegistry.get().startAll(List.of(kinds));
    }
}
