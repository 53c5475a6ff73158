package dev.keel.spring.boot.testcontainers;

import dev.keel.spring.boot.autoconfigure.KeelRabbitConnectionDetails;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionDetailsFactory;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionSource;
import org.testcontainers.rabbitmq.RabbitMQContainer;

/**
 * {@link KeelRabbitConnectionDetails} from a {@code @ServiceConnection} {@link RabbitMQContainer}:
 * its AMQP port and admin credentials, once it runs.
 */
class KeelRabbitContainerConnectionDetailsFactory
        extends ContainerConnectionDetailsFactory<RabbitMQContainer, KeelRabbitConnectionDetails> {

    @Override
    protected KeelRabbitConnectionDetails getContainerConnectionDetails(
            ContainerConnectionSource<RabbitMQContainer> source) {
        return new KeelRabbitContainerConnectionDetails(source);
    }

    /** Named uniquely: Spring Boot names a {@code @ServiceConnection}'s bean after this class's short name. */
    static final class KeelRabbitContainerConnectionDetails extends ContainerConnectionDetails<RabbitMQContainer>
            implements KeelRabbitConnectionDetails {

        KeelRabbitContainerConnectionDetails(ContainerConnectionSource<RabbitMQContainer> source) {
            super(source);
        }

        @Override
        public String uri() {
            return ContainerUris.amqp(getContainer().getHost(), getContainer().getAmqpPort());
        }

        @Override
        public String username() {
            return getContainer().getAdminUsername();
        }

        @Override
        public String password() {
            return getContainer().getAdminPassword();
        }
    }
}
