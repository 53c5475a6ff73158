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
        return new Details(source);
    }

    static final class Details extends ContainerConnectionDetails<ConfluentKafkaContainer>
            implements KeelKafkaConnectionDetails {

        Details(ContainerConnectionSource<ConfluentKafkaContainer> source) {
            super(source);
        }

        @Override
        public String bootstrapServers() {
            return getContainer().getBootstrapServers();
        }
    }
}
