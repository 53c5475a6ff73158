package dev.keel.sample;

import dev.keel.sample.BillingTables.Database;
import dev.keel.testbrokers.ContainerImages;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.boot.testcontainers.service.connection.ServiceConnections;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The sample orders service's contract with Kafka, Redis and PostgreSQL in containers that Testcontainers starts
 * for this class, and every address taken from their {@code @ServiceConnection}: Keel's factories give the Kafka
 * bootstrap servers and the Redis URI, Spring Boot's the data source; no {@code keel.*} address property is set
 * ({@code keel.broker=kafka} chooses the adapter among the three on the class path). The contexts the contract
 * starts get the connections as {@code @SpringBootTest} would give them ({@link ServiceConnections}); the service
 * the SIGTERM test starts in a JVM of its own cannot, and gets the containers' addresses as properties, as a
 * deployed instance would. The health test's Redis outage happens inside the container (Redis requires a
 * password the service lacks, and drops its connections), as no proxy can stand between the service and a
 * connection it takes from the container. Tagged "docker": it runs in the containers suite, with an engine.
 */
@Tag("docker")
@Testcontainers
class KafkaServiceConnectionSampleServiceTest extends SampleServiceContract {

    @Container
    @ServiceConnection
    static final KafkaContainer KAFKA = new KafkaContainer(ContainerImages.KAFKA);

    @Container
    @ServiceConnection
    static final GenericContainer<?> REDIS = new GenericContainer<>(ContainerImages.REDIS).withExposedPorts(6379);

    @Container
    @ServiceConnection
    static final PostgreSQLContainer POSTGRES = new PostgreSQLContainer(ContainerImages.POSTGRES);

    /**
     * For the test report: the same system properties as the harness sets for its brokers
     * ({@code keel.brokers.origin.*}), which Surefire lists in TEST-*.xml.
     */
    @BeforeAll
    static void recordOrigins() {
        record("kafka", KAFKA.getDockerImageName(), KAFKA.getBootstrapServers());
        record("redis", REDIS.getDockerImageName(), REDIS.getHost() + ":" + REDIS.getMappedPort(6379));
        record("postgres", POSTGRES.getDockerImageName(), POSTGRES.getHost() + ":" + POSTGRES.getMappedPort(5432));
    }

    private static void record(String name, String image, String address) {
        System.setProperty("keel.brokers.origin." + name, "container " + image + " at " + address
                + " (@ServiceConnection of " + KafkaServiceConnectionSampleServiceTest.class.getSimpleName() + ")");
    }

    @Override
    List<String> brokerProperties() {
        return List.of("--keel.broker=kafka");
    }

    @Override
    List<String> redisProperties() {
        return List.of();
    }

    @Override
    ApplicationContextInitializer<ConfigurableApplicationContext> connections() {
        return ServiceConnections.of(KafkaServiceConnectionSampleServiceTest.class);
    }

    @Override
    Database database() {
        return new Database(POSTGRES.getJdbcUrl(), POSTGRES.getUsername(), POSTGRES.getPassword());
    }

    @Override
    List<String> forkedServiceProperties() {
        return List.of("--keel.broker=kafka", "--keel.kafka.bootstrap-servers=" + KAFKA.getBootstrapServers(),
                "--keel.redis.uri=redis://" + REDIS.getHost() + ":" + REDIS.getMappedPort(6379),
                "--spring.datasource.url=" + POSTGRES.getJdbcUrl(), "--spring.datasource.username=" + POSTGRES.getUsername(),
                "--spring.datasource.password=" + POSTGRES.getPassword());
    }

    @Override
    RedisOutage redisOutage() {
        return RedisOutage.byRefusal(REDIS);
    }

    @Override
    String messagingSystem() {
        return "kafka";
    }
}
