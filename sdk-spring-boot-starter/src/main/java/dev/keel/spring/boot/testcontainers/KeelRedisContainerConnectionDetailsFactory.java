package dev.keel.spring.boot.testcontainers;

import dev.keel.spring.boot.autoconfigure.KeelRedisConnectionDetails;
import java.util.List;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionDetailsFactory;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionSource;
import org.testcontainers.containers.Container;

/**
 * {@link KeelRedisConnectionDetails} from a {@code @ServiceConnection} container of a Redis image
 * ({@code redis}, {@code redis/redis-stack}, {@code redis/redis-stack-server}, or any container
 * whose {@code @ServiceConnection(name = "redis")} says so): its host and mapped port 6379.
 */
class KeelRedisContainerConnectionDetailsFactory
        extends ContainerConnectionDetailsFactory<Container<?>, KeelRedisConnectionDetails> {

    /** The image names (and connection names) taken for Redis. */
    static final List<String> CONNECTION_NAMES = List.of("redis", "redis/redis-stack", "redis/redis-stack-server");

    KeelRedisContainerConnectionDetailsFactory() {
        super(CONNECTION_NAMES);
    }

    @Override
    protected KeelRedisConnectionDetails getContainerConnectionDetails(ContainerConnectionSource<Container<?>> source) {
        return new KeelRedisContainerConnectionDetails(source);
    }

    /** Named uniquely: Spring Boot names a {@code @ServiceConnection}'s bean after this class's short name. */
    static final class KeelRedisContainerConnectionDetails extends ContainerConnectionDetails<Container<?>>
            implements KeelRedisConnectionDetails {

        KeelRedisContainerConnectionDetails(ContainerConnectionSource<Container<?>> source) {
            super(source);
        }

        @Override
        public String uri() {
            return ContainerUris.redis(getContainer().getHost(), getContainer().getMappedPort(ContainerUris.REDIS_PORT));
        }
    }
}
