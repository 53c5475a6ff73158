package org.springframework.boot.testcontainers.service.connection;

import java.util.List;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The connections of a test class's {@code @ServiceConnection} container fields, registered in an application
 * context the test builds itself ({@code SpringApplicationBuilder}) exactly as {@code @SpringBootTest} registers them
 * in its own: by Spring Boot's {@code ContextCustomizer} for {@code @ServiceConnection}, which asks every
 * {@code ConnectionDetailsFactory} on the class path (Keel's included) for each field. That customizer and its
 * factory are package-private, hence this class's package.
 */
public final class ServiceConnections {

    private ServiceConnections() {
    }

    public static ApplicationContextInitializer<ConfigurableApplicationContext> of(Class<?> testClass) {
        ServiceConnectionContextCustomizer customizer = (ServiceConnectionContextCustomizer)
                new ServiceConnectionContextCustomizerFactory().createContextCustomizer(testClass, List.of());
        if (customizer.getSources().isEmpty()) {
            throw new IllegalArgumentException(testClass.getName() + " has no @ServiceConnection field");
        }
        return context -> customizer.customizeContext(context, null);
    }
}
