package dev.keel.testbrokers;

import org.apache.rocketmq.common.MQVersion;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The container images the harness starts (and Keel's {@code @ServiceConnection} test uses): the official
 * images of the versions the rest of the suite tests, i.e. the client jars on the class path (Kafka, RocketMQ),
 * the broker jars the local path runs (ActiveMQ Artemis, ActiveMQ Classic) and Debian stable's packages (Redis 7.0,
 * RabbitMQ 3.10, PostgreSQL 15), which the local-process path runs. With Docker and a registry they are pulled;
 * Keel's CI builds local images under the same names ({@code .ci/containers.sh}). {@code KEEL_KAFKA_IMAGE},
 * {@code KEEL_RABBIT_IMAGE}, {@code KEEL_REDIS_IMAGE}, {@code KEEL_ROCKET_IMAGE}, {@code KEEL_ARTEMIS_IMAGE} and
 * {@code KEEL_ACTIVEMQ_IMAGE} choose others for the harness.
 */
public final class ContainerImages {
    /** {@code apache/kafka:<kafka-clients version>}, e.g. {@code apache/kafka:4.4.0}. */
    public static final String KAFKA = "apache/kafka:" + kafkaClientsVersion();
    /** {@code apache/rocketmq:<rocketmq-client version>}, e.g. {@code apache/rocketmq:5.5.0}. */
    public static final String ROCKETMQ = "apache/rocketmq:" + rocketmqClientVersion();
    /**
     * {@code apache/activemq-artemis:<version of the artemis-server jar the local broker runs>}, e.g.
     * {@code apache/activemq-artemis:2.56.0}.
     */
    public static final String ARTEMIS = "apache/activemq-artemis:" + brokerJarVersion("artemis", "artemis-server");
    /**
     * {@code apache/activemq-classic:<version of the activemq-broker jar the local broker runs>}, e.g.
     * {@code apache/activemq-classic:6.3.1}.
     */
    public static final String ACTIVEMQ = "apache/activemq-classic:" + brokerJarVersion("activemq", "activemq-broker");
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

    /**
     * The version of the jar {@code artifact} in the broker class path {@code classpath} that test-brokers' build
     * resolved ({@code dev/keel/testbrokers/classpath/<classpath>.classpath}): the broker the local path runs.
     */
    static String brokerJarVersion(String classpath, String artifact) {
        String resource = "/dev/keel/testbrokers/classpath/" + classpath + ".classpath";
        String entries;
        try (InputStream in = ContainerImages.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the resource " + resource + " is missing from the test-brokers jar");
            }
            entries = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
        // <repository>/org/apache/artemis/artemis-server/2.56.0/artemis-server-2.56.0.jar
        Matcher m = Pattern.compile("/" + Pattern.quote(artifact) + "/([^/:]+)/" + Pattern.quote(artifact) + "-")
                .matcher(entries);
        if (!m.find()) {
            throw new IllegalStateException(resource + " names no " + artifact + " jar");
        }
        return m.group(1);
    }

    /** The version of rocketmq-client on the class path ({@code V5_5_0} becomes {@code 5.5.0}). */
    static String rocketmqClientVersion() {
        String name = MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION);
        return name.replaceFirst("^V", "").replace('_', '.').toLowerCase(Locale.ROOT);
    }
}
