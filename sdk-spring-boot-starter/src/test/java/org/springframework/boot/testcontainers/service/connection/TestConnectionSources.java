package org.springframework.boot.testcontainers.service.connection;

import java.util.List;
import java.util.function.Supplier;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.testcontainers.containers.Container;

/**
 * Makes the {@link ContainerConnectionSource} Spring Boot makes for a {@code @ServiceConnection}
 * container field (its constructor is package-private), so factories can be tested without Docker.
 */
public final class TestConnectionSources {

    private TestConnectionSources() {
    }

    public static <C extends Container<?>> ContainerConnectionSource<C> of(Class<C> type, String imageName,
                                                                           Supplier<C> container) {
        return new ContainerConnectionSource<>("test", null, type, imageName, MergedAnnotation.of(ServiceConnection.class),
                container, null, MergedAnnotations.of(List.of()));
    }
}
