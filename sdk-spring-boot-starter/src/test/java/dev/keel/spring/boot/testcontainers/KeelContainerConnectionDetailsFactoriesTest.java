package dev.keel.spring.boot.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.spring.boot.autoconfigure.KeelKafkaConnectionDetails;
import dev.keel.spring.boot.autoconfigure.KeelRabbitConnectionDetails;
import dev.keel.spring.boot.autoconfigure.KeelRedisConnectionDetails;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetailsFactories;
import org.springframework.boot.testcontainers.service.connection.TestConnectionSources;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.kafka.ConfluentKafkaContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.rabbitmq.RabbitMQContainer;

/**
 * Keel's {@code @ServiceConnection} factories, without Docker: Spring Boot finds
 * them through {@code META-INF/spring.factories}, each answers for its containers only, and the
 * connection strings are built right from a host and a mapped port, and the connection details of
 * several containers of one test class register side by side. Connecting to started containers needs
 * Docker: integration-tests' KafkaServiceConnectionSampleServiceTest does, in the containers suite.
 */
class KeelContainerConnectionDetailsFactoriesTest {

    private final ConnectionDetailsFactories factories = new ConnectionDetailsFactories(getClass().getClassLoader());

    @Test
    void aKafkaContainerShouldGiveKeelKafkaConnectionDetails() {
        KafkaContainer kafka = new KafkaContainer("apache/kafka-native:3.8.0");
        Map<Class<?>, ConnectionDetails> details = factories.getConnectionDetails(
                TestConnectionSources.of(KafkaContainer.class, "apache/kafka-native", () -> kafka), false);
        assertThat(details).containsKey(KeelKafkaConnectionDetails.class)
                .doesNotContainKeys(KeelRabbitConnectionDetails.class, KeelRedisConnectionDetails.class);
    }

    @Test
    void aConfluentKafkaContainerShouldGiveKeelKafkaConnectionDetails() {
        ConfluentKafkaContainer kafka = new ConfluentKafkaContainer("confluentinc/cp-kafka:7.4.0");
        Map<Class<?>, ConnectionDetails> details = factories.getConnectionDetails(
                TestConnectionSources.of(ConfluentKafkaContainer.class, "confluentinc/cp-kafka", () -> kafka), false);
        assertThat(details).containsKey(KeelKafkaConnectionDetails.class);
    }

    @Test
    void aRabbitContainerShouldGiveKeelRabbitConnectionDetails() {
        RabbitMQContainer rabbit = new RabbitMQContainer("rabbitmq:3.13-management");
        Map<Class<?>, ConnectionDetails> details = factories.getConnectionDetails(
                TestConnectionSources.of(RabbitMQContainer.class, "rabbitmq", () -> rabbit), false);
        assertThat(details).containsKey(KeelRabbitConnectionDetails.class)
                .doesNotContainKeys(KeelKafkaConnectionDetails.class, KeelRedisConnectionDetails.class);
    }

    @Test
    void aContainerOfARedisImageShouldGiveKeelRedisConnectionDetailsAndOtherImagesNone() {
        try (GenericContainer<?> redis = new GenericContainer<>("redis:7.4");
             GenericContainer<?> postgres = new GenericContainer<>("postgres:16")) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            Class<GenericContainer<?>> type = (Class) GenericContainer.class;
            assertThat(factories.getConnectionDetails(TestConnectionSources.of(type, "redis", () -> redis), false))
                    .containsKey(KeelRedisConnectionDetails.class);
            assertThat(factories.getConnectionDetails(
                    TestConnectionSources.of(type, "redis/redis-stack-server", () -> redis), false))
                    .containsKey(KeelRedisConnectionDetails.class);
            assertThat(factories.getConnectionDetails(TestConnectionSources.of(type, "postgres", () -> postgres), false))
                    .doesNotContainKey(KeelRedisConnectionDetails.class);
        }
    }

    /**
     * A test class with a Kafka and a Redis container, both {@code @ServiceConnection}: Spring Boot names each
     * connection details bean after its class's short name, so two of Keel's must not share one (they were all
     * called {@code Details}: the second registration failed with a BeanDefinitionOverrideException, found when the
     * containers first ran for real).
     */
    @Test
    void aKafkaAndARedisContainerInOneTestShouldEachRegisterTheirConnectionDetails() {
        KafkaContainer kafka = new KafkaContainer("apache/kafka:4.4.0");
        RabbitMQContainer rabbit = new RabbitMQContainer("rabbitmq:3.10");
        ConfluentKafkaContainer confluent = new ConfluentKafkaContainer("confluentinc/cp-kafka:7.4.0");
        try (GenericContainer<?> redis = new GenericContainer<>("redis:7.0")) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            Class<GenericContainer<?>> type = (Class) GenericContainer.class;
            DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
            beanFactory.setAllowBeanDefinitionOverriding(false); // as in a Spring Boot application
            TestConnectionSources.register(beanFactory, List.of(
                    TestConnectionSources.of(KafkaContainer.class, "apache/kafka", () -> kafka),
                    TestConnectionSources.of(type, "redis", () -> redis)));
            assertThat(beanFactory.getBeanNamesForType(KeelKafkaConnectionDetails.class)).hasSize(1);
            assertThat(beanFactory.getBeanNamesForType(KeelRedisConnectionDetails.class)).hasSize(1);

            DefaultListableBeanFactory others = new DefaultListableBeanFactory();
            others.setAllowBeanDefinitionOverriding(false);
            TestConnectionSources.register(others, List.of(
                    TestConnectionSources.of(RabbitMQContainer.class, "rabbitmq", () -> rabbit),
                    TestConnectionSources.of(type, "redis", () -> redis)));
            assertThat(others.getBeanNamesForType(KeelRabbitConnectionDetails.class)).hasSize(1);
            assertThat(others.getBeanNamesForType(KeelRedisConnectionDetails.class)).hasSize(1);

            DefaultListableBeanFactory confluentAndRedis = new DefaultListableBeanFactory();
            confluentAndRedis.setAllowBeanDefinitionOverriding(false);
            TestConnectionSources.register(confluentAndRedis, List.of(
                    TestConnectionSources.of(ConfluentKafkaContainer.class, "confluentinc/cp-kafka", () -> confluent),
                    TestConnectionSources.of(type, "redis", () -> redis)));
            assertThat(confluentAndRedis.getBeanNamesForType(KeelKafkaConnectionDetails.class)).hasSize(1);
            assertThat(confluentAndRedis.getBeanNamesForType(KeelRedisConnectionDetails.class)).hasSize(1);
        }
    }

    @Test
    void connectionStringsShouldNameTheHostAndTheMappedPort() {
        assertThat(ContainerUris.redis("localhost", 32771)).isEqualTo("redis://localhost:32771");
        assertThat(ContainerUris.amqp("10.0.0.5", 32772)).isEqualTo("amqp://10.0.0.5:32772");
        assertThat(ContainerUris.redis("::1", 32773)).as("IPv6 in brackets").isEqualTo("redis://[::1]:32773");
    }
}
