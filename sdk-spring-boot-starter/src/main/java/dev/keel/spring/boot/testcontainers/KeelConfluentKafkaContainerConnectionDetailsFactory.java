package dev.keel.spring.boot.testcontainers;

import dev.keel.spring.boot.autoconfigure.KeelKafkaConnectionDetails;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionDetailsFactory;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionSource;
import org.testcontainers.kafka.ConfluentKafkaContainer;

/** {@link KeelKafkaConnectionDetails} from a {@code @ServiceConnection} {@link ConfluentKafkaContainer}. */
class KeelConfluentKafkaContainerConnectionDetailsFactory
        extends ContainerConnectionDetailsFactory<ConfluentKafkaContainer, KeelKafkaConnectionDetails> {

    @Override
    protected KeelKafkaConnectionDetails getContainerConnectionDetails(
            ContainerConnectionSource<ConfluentKafkaContainer> source) {
        return new KeelConfluentKafkaContainerConnectionDetails(source);
    }

    /** Named uniquely: Spring Boot names a {@code @ServiceConnection}'s bean after this class's short name. */
    static final class KeelConfluentKafkaContainerConnectionDetails
            extends ContainerConnectionDetails<ConfluentKafkaContainer>
            implements KeelKafkaConnectionDetails {

        KeelConfluentKafkaContainerConnectionDetails(ContainerConnectionSource<ConfluentKafkaContainer> source) {
            super(source);
        }

        @Override
        public String bootstrapServers() {
            return getContainer().getBootstrapServers();
        }
    }
}
