package dev.keel.testbrokers.internal;

import dev.keel.testbrokers.BrokerKind;
import dev.keel.testbrokers.Origin;

import java.util.Objects;

/**
 * Chooses where each broker comes from: a configured endpoint first, then Testcontainers when a
 * Docker engine answers (or when {@code KEEL_BROKERS=containers} demands it, which fails without one),
 * otherwise local processes (or, for RabbitMQ, the local service).
 */
public final class OriginSelector {

    /** The choice and why it was made, worded for the log. */
    public record Selection(BrokerKind kind, Origin origin, String reason) {
        public Selection {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(origin, "origin");
            Objects.requireNonNull(reason, "reason");
        }
    }

    private final Settings settings;
    private final DockerProbe dockerProbe;

    public OriginSelector(Settings settings, DockerProbe dockerProbe) {
        this.settings = settings;
        this.dockerProbe = dockerProbe;
    }

    public Selection select(BrokerKind kind) {
        if (settings.endpoint(kind).isPresent()) {
            return new Selection(kind, Origin.CONFIGURED,
                    "using the endpoint from " + settings.sourceOf(kind.endpointProperty()));
        }
        Settings.Mode mode = settings.mode();
        switch (mode) {
            case LOCAL:
                return new Selection(kind, Origin.LOCAL, "KEEL_BROKERS=local; " + localPath(kind, settings));
            case CONTAINERS:
                if (!dockerProbe.isDockerAvailable()) {
                    throw new IllegalStateException("KEEL_BROKERS=containers but no Docker engine answers; "
                            + "start Docker, or unset KEEL_BROKERS to use local processes");
                }
                return new Selection(kind, Origin.CONTAINER, "KEEL_BROKERS=containers; " + containerPath(kind));
            default:
                if (dockerProbe.isDockerAvailable()) {
                    return new Selection(kind, Origin.CONTAINER, "no " + kind.endpointEnvVar()
                            + " and a Docker engine answers; " + containerPath(kind));
                }
                return new Selection(kind, Origin.LOCAL, "no " + kind.endpointEnvVar()
                        + " and no Docker engine answers; " + localPath(kind, settings));
        }
    }

    static String localPath(BrokerKind kind, Settings settings) {
        switch (kind) {
            case KAFKA: return "starting a local Kafka KRaft process (broker+controller) from the Maven Central jars";
            case ROCKET: return "starting a local RocketMQ name server and broker processes from the Maven Central jars";
            case REDIS: return "starting a private local redis-server process";
            case ARTEMIS: return "starting a local ActiveMQ Artemis broker process from the Maven Central jars";
            case ACTIVEMQ: return "starting a local ActiveMQ Classic broker process from the Maven Central jars";
            case RABBIT: return settings.rabbitUsesService()
                    ? "using the local RabbitMQ service on 127.0.0.1:5672 with a virtual host of this run (KEEL_RABBIT_LOCAL=service)"
                    : "starting a private RabbitMQ node from the rabbitmq-server package";
            default: throw new IllegalArgumentException(kind.name());
        }
    }

    static String containerPath(BrokerKind kind) {
        return "starting a " + kind.displayName() + " container with Testcontainers";
    }
}
