package dev.keel.spring.boot.autoconfigure;

import dev.keel.kafka.KafkaAdapter;
import dev.keel.kafka.KafkaConfig;
import dev.keel.rabbit.RabbitAdapter;
import dev.keel.rabbit.RabbitConfig;
import dev.keel.spi.BrokerAdapter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The {@link BrokerAdapter} of the adapter {@code keel.broker} and the class path select (see
 * {@link ConditionalOnKeelBroker}); a {@code BrokerAdapter} bean of the application's wins. The
 * adapter is closed by the context after Keel. A RocketMQ adapter is wired the same way once its
 * module exists: a configuration guarded by {@code @ConditionalOnClass(name = "dev.keel.rocket.RocketAdapter")}
 * and {@code @ConditionalOnKeelBroker("rocket")}, reading {@code keel.rocket.*}.
 */
@AutoConfiguration
@EnableConfigurationProperties(KeelProperties.class)
@Import({KeelBrokerAutoConfiguration.Kafka.class, KeelBrokerAutoConfiguration.Rabbit.class})
public class KeelBrokerAutoConfiguration {

    /** Kafka (module sdk-kafka). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.keel.kafka.KafkaAdapter")
    @ConditionalOnKeelBroker("kafka")
    static class Kafka {

        @Bean
        @ConditionalOnMissingBean(KeelKafkaConnectionDetails.class)
        @ConditionalOnProperty(prefix = "keel.kafka", name = "bootstrap-servers")
        KeelKafkaConnectionDetails keelKafkaConnectionDetails(KeelProperties properties) {
            return new PropertiesConnectionDetails.Kafka(properties.getKafka());
        }

        @Bean
        @ConditionalOnMissingBean(BrokerAdapter.class)
        KafkaAdapter keelKafkaAdapter(ObjectProvider<KeelKafkaConnectionDetails> details, KeelProperties properties) {
            KeelKafkaConnectionDetails connection = details.getIfAvailable();
            if (connection == null) {
                throw new IllegalStateException("Keel uses Kafka but keel.kafka.bootstrap-servers is not set: set it "
                        + "(host:port,...), or define a BrokerAdapter bean");
            }
            KafkaConfig.Builder config = KafkaConfig.builder(connection.bootstrapServers())
                    .properties(properties.getKafka().getProperties());
            if (properties.getKafka().getClientId() != null) {
                config.clientId(properties.getKafka().getClientId());
            }
            return new KafkaAdapter(config.build());
        }
    }

    /** RabbitMQ (module sdk-rabbit). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.keel.rabbit.RabbitAdapter")
    @ConditionalOnKeelBroker("rabbit")
    static class Rabbit {

        @Bean
        @ConditionalOnMissingBean(KeelRabbitConnectionDetails.class)
        KeelRabbitConnectionDetails keelRabbitConnectionDetails(KeelProperties properties) {
            return new PropertiesConnectionDetails.Rabbit(properties.getRabbit());
        }

        @Bean
        @ConditionalOnMissingBean(BrokerAdapter.class)
        RabbitAdapter keelRabbitAdapter(KeelRabbitConnectionDetails connection) {
            RabbitConfig.Builder config = RabbitConfig.custom().uri(connection.uri());
            if (connection.username() != null) {
                config.username(connection.username());
            }
            if (connection.password() != null) {
                config.password(connection.password());
            }
            return new RabbitAdapter(config.build());
        }
    }
}
