package dev.keel.testbrokers;

import java.util.Locale;

/** The brokers (and Redis) the harness can hand to a test. */
public enum BrokerKind {
    KAFKA("Kafka", "keel.kafka.bootstrap", "127.0.0.1:9092"),
    RABBIT("RabbitMQ", "keel.rabbit.uri", "amqp://guest:guest@127.0.0.1:5672/%2F"),
    ROCKET("RocketMQ", "keel.rocket.namesrv", "127.0.0.1:9876"),
    REDIS("Redis", "keel.redis.uri", "redis://127.0.0.1:6379"),
    ARTEMIS("ActiveMQ Artemis", "keel.artemis.url", "tcp://127.0.0.1:61616"),
    ACTIVEMQ("ActiveMQ Classic", "keel.activemq.url", "tcp://127.0.0.1:61616");

    private final String displayName;
    private final String endpointProperty;
    private final String endpointExample;

    BrokerKind(String displayName, String endpointProperty, String endpointExample) {
        this.displayName = displayName;
        this.endpointProperty = endpointProperty;
        this.endpointExample = endpointExample;
    }

    public String displayName() {
        return displayName;
    }

    /** System property naming an already running endpoint, e.g. {@code keel.kafka.bootstrap}. */
    public String endpointProperty() {
        return endpointProperty;
    }

    /** Environment variable naming an already running endpoint, e.g. {@code KEEL_KAFKA_BOOTSTRAP}. */
    public String endpointEnvVar() {
        return envVarOf(endpointProperty);
    }

    /** An example value of the endpoint setting. */
    public String endpointExample() {
        return endpointExample;
    }

    /** {@code keel.kafka.bootstrap} becomes {@code KEEL_KAFKA_BOOTSTRAP}. */
    public static String envVarOf(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
