package dev.keel.spring.boot.testcontainers;

import dev.keel.spring.boot.autoconfigure.KeelKafkaConnectionDetails;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionDetailsFactory;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionSource;
import org.testcontainers.kafka.KafkaContainer;

/**
 * {@link KeelKafkaConnectionDetails} from a {@code @ServiceConnection} {@link KafkaContainer}
 * (Apache Kafka images): the container's bootstrap servers, once it runs.
 */
class KeelKafkaContainerConnectionDetailsFactory
        extends ContainerConnectionDetailsFactory<KafkaContainer, KeelKafkaConnectionDetails> {

    @Override
    protected KeelKafkaConnectionDetails getContainerConnectionDetails(ContainerConnectionSource<KafkaContainer> source) {
        return new KeelKafkaContainerConnectionDetails(source);
    }

    /** Named uniquely: Spring Boot names a {@code @ServiceConnection}'s bean after this class's short name. */
    static final class KeelKafkaContainerConnectionDetails extends ContainerConnectionDetails<KafkaContainer>
            implements KeelKafkaConnectionDetails {

        KeelKafkaContainerConnectionDetails(ContainerConnectionSource<KafkaContainer> source) {
            super(source);
        }

        @Override
        public String bootstrapServers() {
            return getContainer().getBootstrapServers();
        }
    }
}
