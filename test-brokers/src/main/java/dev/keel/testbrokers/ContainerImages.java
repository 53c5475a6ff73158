package dev.keel.testbrokers;

import org.apache.rocketmq.common.MQVersion;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Properties;

/**
 * The container images the harness starts (and Keel's {@code @ServiceConnection} test uses): the official
 * images of the versions the rest of the suite tests, i.e. the broker jars on the class path (Kafka, RocketMQ)
 * and Debian stable's packages (Redis 7.0, RabbitMQ 3.10, PostgreSQL 15), which the local-process path runs.
 * With Docker and a registry they are pulled; Keel's CI builds local images under the same names
 * ({@code .ci/containers.sh}). {@code KEEL_KAFKA_IMAGE}, {@code KEEL_RABBIT_IMAGE}, {@code KEEL_REDIS_IMAGE} and
 * {@code KEEL_ROCKET_IMAGE} choose others for the harness.
 */
public final class ContainerImages {
    /** {@code apache/kafka:<kafka-clients version>}, e.g. {@code apache/kafka:4.4.0}. */
    public static final String KAFKA = "apache/kafka:" + kafkaClientsVersion();
    /** {@code apache/rocketmq:<rocketmq-client version>}, e.g. {@code apache/rocketmq:5.5.0}. */
    public static final String ROCKETMQ = "apache/rocketmq:" + rocketmqClientVersion();
    /** Debian stable's RabbitMQ, 3.10. */
    public static final String RABBITMQ = "rabbitmq:3.10";
    /** Debian stable's Redis, 7.0. */
    public static final String REDIS = "redis:7.0";
    /** Debian stable's PostgreSQL, 15. */
    public static final String POSTGRES = "postgres:15";

    private ContainerImages() {
    }

    /** The version of kafka-clients on the class path, so the broker matches the client. */
    static String kafkaClientsVersion() {
        Properties properties = new Properties();
        try (InputStream in = org.apache.kafka.common.Uuid.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read kafka-clients' version", e);
        }
        String version = properties.getProperty("version");
        if (version == null || version.isBlank()) {
            throw new IllegalStateException("kafka-clients on the class path names no version (/kafka/kafka-version.properties)");
        }
        return version.trim();
    }

    /** The version of rocketmq-client on the class path ({@code V5_5_0} becomes {@code 5.5.0}). */
    static String rocketmqClientVersion() {
        String name = MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION);
        return name.replaceFirst("^V", "").replace('_', '.').toLowerCase(Locale.ROOT);
    }
}
