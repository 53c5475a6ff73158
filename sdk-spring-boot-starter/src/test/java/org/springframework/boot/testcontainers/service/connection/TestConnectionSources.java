package org.springframework.boot.testcontainers.service.connection;

import java.util.List;
import java.util.function.Supplier;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetailsFactories;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.testcontainers.containers.Container;

/**
 * Makes the {@link ContainerConnectionSource} Spring Boot makes for a {@code @ServiceConnection}
 * container field (its constructor is package-private), and registers their connection details as
 * {@code @SpringBootTest} does, so factories can be tested without Docker.
 */
public final class TestConnectionSources {

    private TestConnectionSources() {
    }

    public static <C extends Container<?>> ContainerConnectionSource<C> of(Class<C> type, String imageName,
                                                                           Supplier<C> container) {
        return new ContainerConnectionSource<>("test", null, type, imageName, MergedAnnotation.of(ServiceConnection.class),
                container, null, MergedAnnotations.of(List.of()));
    }

    /**
     * Registers the connection details of the sources in the bean factory the way Spring Boot's
     * {@code @ServiceConnection} support does for the fields of one test class (all sources of a test
     * class share the bean name suffix {@code test}).
     */
    public static void register(DefaultListableBeanFactory beanFactory, List<ContainerConnectionSource<?>> sources) {
        new ConnectionDetailsRegistrar(beanFactory, new ConnectionDetailsFactories(null))
                .registerBeanDefinitions(beanFactory, sources);
    }
}
